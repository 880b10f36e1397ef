//! An application as the caller may see it, with its decision.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::policy::ApplicationView;
use crate::db::applications::{ApplicationRow, DecisionRow, ItemRow};
use crate::db::{stored, stored_uuid, unreadable};
use crate::domain::application::{
    Channel, ExpenseKind, HouseholdRole, IncomeKind, Outcome, ReasonForNeed, Status,
};
use crate::domain::money::from_ore;
use crate::error::AppError;

/// A child in the household.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Child {
    #[schema(example = 2019)]
    pub birth_year: i32,
}

/// A declared income, as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IncomeLine {
    pub kind: IncomeKind,
    /// SEK per month with two decimals, as a string.
    #[schema(value_type = String, example = "1200.00")]
    pub amount: Decimal,
}

/// A declared expense, as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExpenseLine {
    pub kind: ExpenseKind,
    /// SEK per month with two decimals, as a string.
    #[schema(value_type = String, example = "6200.00")]
    pub amount: Decimal,
}

/// A decision on an application (BR-3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Decision {
    pub id: Uuid,
    pub outcome: Outcome,
    /// SEK with two decimals, as a string; `0.00` for a rejection.
    #[schema(value_type = String, example = "8450.00")]
    pub amount: Decimal,
    pub reason: Option<String>,
    /// Assessed work capacity, 0–100 percent of full time.
    pub work_capacity_percent: i32,
    #[schema(example = "2026-11")]
    pub support_month: String,
    pub decided_at: DateTime<Utc>,
}

impl TryFrom<DecisionRow> for Decision {
    type Error = AppError;

    fn try_from(row: DecisionRow) -> Result<Self, AppError> {
        Ok(Self {
            id: stored_uuid("decisions.id", &row.id)?,
            outcome: stored("decisions.outcome", Outcome::parse(&row.outcome))?,
            amount: from_ore(row.amount_ore),
            reason: row.reason,
            work_capacity_percent: row.work_capacity_percent,
            support_month: row.support_month,
            decided_at: row.decided_at.and_utc(),
        })
    }
}

/// The decision as the portal shows it to the citizen: the outcome, the
/// amount for the month and, for anything but a full grant, the reasons;
/// never the caseworker's assessment of the person or anyone else's data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionNotice {
    pub outcome: Outcome,
    /// SEK granted for the support month, with two decimals; `0.00` for a
    /// rejection.
    #[schema(value_type = String, example = "8450.00")]
    pub amount: Decimal,
    #[schema(example = "2026-10")]
    pub support_month: String,
    /// The reasons, for a rejection or a partial grant.
    pub reason: Option<String>,
    pub decided_at: DateTime<Utc>,
}

impl From<&Decision> for DecisionNotice {
    fn from(d: &Decision) -> Self {
        Self {
            outcome: d.outcome,
            amount: d.amount,
            support_month: d.support_month.clone(),
            reason: (d.outcome != Outcome::Granted)
                .then(|| d.reason.clone())
                .flatten(),
            decided_at: d.decided_at,
        }
    }
}

/// A person the application named by personal number who was already
/// registered, under names that differ from the register's. The person is
/// attached by the number; the caseworker checks who applied (BR-6b).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NameMismatch {
    pub person: HouseholdRole,
    /// The registered applicant the number found.
    pub applicant_id: Uuid,
    /// The first name as the application gave it.
    pub given_first_name: String,
    /// The last name as the application gave it.
    pub given_last_name: String,
}

/// Links to related resources.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationLinks {
    #[serde(rename = "self")]
    pub self_link: String,
    /// The applicant, where the view shows them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applicant: Option<String>,
}

/// An application as the caller may see it. `view` says which fields are
/// there: `full` (caseworkers, the case system) has all; `labour_market`
/// (coaches, AF officers) has no money, household or free text; `receipt`
/// (the portal, on what it submitted) has receipt, status, dates, the
/// applicant's id and, once decided, the decision notice only.
#[derive(Debug, Serialize, ToSchema)]
pub struct Application {
    pub id: Uuid,
    #[schema(example = "0483")]
    pub municipality: String,
    /// The receipt number from the municipality's series.
    #[schema(example = "EB-2026-000123")]
    pub receipt_number: String,
    pub status: Status,
    pub view: ApplicationView,
    #[schema(example = "2026-12")]
    pub support_month: String,
    /// When the application came in (the application date).
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change; the `ETag` is this number in quotes.
    pub version: i64,
    /// The applicant. The portal sees it for what it submitted, to record
    /// the applicant's consents.
    pub applicant_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasons_for_need: Option<Vec<ReasonForNeed>>,
    /// From the decision, in the labour-market view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_capacity_percent: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub co_applicant_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<Child>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomes: Option<Vec<IncomeLine>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expenses: Option<Vec<ExpenseLine>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// In the full view: persons named by a registered personal number with
    /// other names than the register's, for the caseworker to check; empty
    /// when the names agreed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_mismatch: Option<Vec<NameMismatch>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// The decision as the portal shows it, in the receipt view once decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_notice: Option<DecisionNotice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<String>,
    pub links: ApplicationLinks,
}

impl Application {
    /// The application as `view` may see it. A stored value this code cannot
    /// read is a broken row: a 500 that names the column, never a guess.
    pub fn new(
        row: ApplicationRow,
        items: Vec<ItemRow>,
        decision: Option<DecisionRow>,
        view: ApplicationView,
    ) -> Result<Self, AppError> {
        let full = view == ApplicationView::Full;
        let person = view != ApplicationView::Receipt;
        let mut incomes = Vec::new();
        let mut expenses = Vec::new();
        for item in &items {
            let amount = from_ore(item.amount_ore);
            match item.direction.as_str() {
                "income" => incomes.push(IncomeLine {
                    kind: stored("application_items.kind", IncomeKind::parse(&item.kind))?,
                    amount,
                }),
                "expense" => expenses.push(ExpenseLine {
                    kind: stored("application_items.kind", ExpenseKind::parse(&item.kind))?,
                    amount,
                }),
                _ => return Err(unreadable("application_items.direction")),
            }
        }
        let reasons = stored(
            "applications.reasons_for_need",
            serde_json::from_str::<Vec<String>>(&row.reasons_for_need).map_err(|_| ()),
        )?
        .iter()
        .map(|r| stored("applications.reasons_for_need", ReasonForNeed::parse(r)))
        .collect::<Result<Vec<_>, _>>()?;
        let children: Vec<Child> = stored(
            "applications.children",
            serde_json::from_str::<Vec<i32>>(&row.children).map_err(|_| ()),
        )?
        .into_iter()
        .map(|birth_year| Child { birth_year })
        .collect();
        let self_link = format!("/api/v1/{}/applications/{}", row.municipality, row.id);
        let applicant_link = format!(
            "/api/v1/{}/applicants/{}",
            row.municipality, row.applicant_id
        );
        let applicant_id = stored_uuid("applications.applicant_id", &row.applicant_id)?;
        let co_applicant_id = row
            .co_applicant_id
            .as_deref()
            .map(|id| stored_uuid("applications.co_applicant_id", id))
            .transpose()?;
        let channel = stored("applications.channel", Channel::parse(&row.channel))?;
        let name_mismatch: Vec<NameMismatch> = match &row.name_mismatch {
            None => Vec::new(),
            Some(text) => stored(
                "applications.name_mismatch",
                serde_json::from_str(text).map_err(|_| ()),
            )?,
        };
        let decision = decision.map(Decision::try_from).transpose()?;
        Ok(Self {
            id: stored_uuid("applications.id", &row.id)?,
            receipt_number: row.receipt_number,
            status: stored("applications.status", Status::parse(&row.status))?,
            view,
            support_month: row.support_month,
            received_at: row.received_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
            // The portal sees the id of the person it named as applicant, to
            // record their consents; never a co-applicant's.
            applicant_id,
            reasons_for_need: person.then_some(reasons),
            work_capacity_percent: (view == ApplicationView::LabourMarket)
                .then(|| decision.as_ref().map(|d| d.work_capacity_percent))
                .flatten(),
            co_applicant_id: full.then_some(co_applicant_id).flatten(),
            children: full.then_some(children),
            channel: full.then_some(channel),
            incomes: full.then_some(incomes),
            expenses: full.then_some(expenses),
            message: full.then_some(row.message).flatten(),
            name_mismatch: full.then_some(name_mismatch),
            decision_notice: (view == ApplicationView::Receipt)
                .then(|| decision.as_ref().map(DecisionNotice::from))
                .flatten(),
            decision: full.then_some(decision).flatten(),
            submitted_by: full.then_some(row.submitted_by),
            links: ApplicationLinks {
                self_link,
                applicant: person.then_some(applicant_link),
            },
            municipality: row.municipality,
        })
    }
}

/// One page of applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationPage {
    pub items: Vec<Application>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
