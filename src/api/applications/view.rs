//! An application as the caller may see it, with its household and
//! decisions.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::decisions::document::{Decision, DecisionNotice};
use crate::auth::policy::ApplicationView;
use crate::db::applications::{ApplicationRow, ItemRow};
use crate::db::decisions::{AdultRow, DecisionRow};
use crate::db::households::MemberRow;
use crate::db::{stored, stored_uuid, unreadable};
use crate::domain::application::{Channel, ExpenseKind, IncomeKind, StatedReason, Status};
use crate::domain::household::{LineSource, MemberRole, SchoolStatus};
use crate::domain::money::from_ore;
use crate::error::AppError;

/// A person of the household.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    /// How lines and decisions name this person.
    #[schema(example = "child_1")]
    pub member: String,
    pub role: MemberRole,
    /// Adults: the registered person.
    pub applicant_id: Option<Uuid>,
    /// Children.
    pub birth_date: Option<NaiveDate>,
    /// A child's personal number, when the application gave it.
    pub personal_number: Option<String>,
    /// Children: days a month in the home, 1–30.
    pub days_in_home: Option<i32>,
    /// Children of 19–20: whether in upper secondary school.
    pub school_status: Option<SchoolStatus>,
    /// Children: whether they eat lunch at preschool on weekdays.
    pub preschool_lunch: Option<bool>,
}

impl TryFrom<&MemberRow> for Member {
    type Error = AppError;

    fn try_from(row: &MemberRow) -> Result<Self, AppError> {
        Ok(Self {
            member: row.member.clone(),
            role: stored("household_members.role", MemberRole::parse(&row.role))?,
            applicant_id: row
                .applicant_id
                .as_deref()
                .map(|id| stored_uuid("household_members.applicant_id", id))
                .transpose()?,
            birth_date: row.birth_date,
            personal_number: row.personal_number.clone(),
            days_in_home: row.days_in_home,
            school_status: row
                .school_status
                .as_deref()
                .map(|s| stored("household_members.school_status", SchoolStatus::parse(s)))
                .transpose()?,
            preschool_lunch: row.preschool_lunch,
        })
    }
}

/// An income of a person in the household.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IncomeLine {
    /// The line's number within the application, for the assessment.
    pub line: i32,
    #[schema(example = "applicant")]
    pub member: String,
    pub kind: IncomeKind,
    /// SEK per month applied for (declared, or as the authority gave it).
    #[schema(value_type = String, example = "1200.00")]
    pub applied_amount: Decimal,
    /// SEK per month the caseworker counts; `null` until assessed.
    #[schema(value_type = Option<String>, example = "1200.00")]
    pub approved_amount: Option<Decimal>,
    pub source: LineSource,
}

/// An expense of a person in the household.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExpenseLine {
    /// The line's number within the application, for the assessment.
    pub line: i32,
    #[schema(example = "applicant")]
    pub member: String,
    pub kind: ExpenseKind,
    /// SEK per month applied for.
    #[schema(value_type = String, example = "6200.00")]
    pub applied_amount: Decimal,
    /// SEK per month approved as a reasonable cost; `null` until assessed.
    #[schema(value_type = Option<String>, example = "6200.00")]
    pub approved_amount: Option<Decimal>,
    pub source: LineSource,
}

/// The stored household of an application: its persons and lines.
#[derive(Debug, Clone, Default)]
pub struct Household {
    pub members: Vec<MemberRow>,
    pub items: Vec<ItemRow>,
}

impl Household {
    /// The lines, split into incomes and expenses.
    pub fn lines(&self) -> Result<(Vec<IncomeLine>, Vec<ExpenseLine>), AppError> {
        let mut incomes = Vec::new();
        let mut expenses = Vec::new();
        for item in &self.items {
            let applied_amount = from_ore(item.amount_ore);
            let approved_amount = item.approved_ore.map(from_ore);
            let source = stored("application_items.source", LineSource::parse(&item.source))?;
            match item.direction.as_str() {
                "income" => incomes.push(IncomeLine {
                    line: item.line_no,
                    member: item.member.clone(),
                    kind: stored("application_items.kind", IncomeKind::parse(&item.kind))?,
                    applied_amount,
                    approved_amount,
                    source,
                }),
                "expense" => expenses.push(ExpenseLine {
                    line: item.line_no,
                    member: item.member.clone(),
                    kind: stored("application_items.kind", ExpenseKind::parse(&item.kind))?,
                    applied_amount,
                    approved_amount,
                    source,
                }),
                _ => return Err(unreadable("application_items.direction")),
            }
        }
        Ok((incomes, expenses))
    }
}

/// A person the application named by personal number who was already
/// registered, under names that differ from the register's. The person is
/// attached by the number; the caseworker checks who applied (BR-6b).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NameMismatch {
    /// The household member (`applicant`, `partner`, `adult_1`…).
    #[serde(alias = "person")]
    pub member: String,
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
    /// The norm calculation, in the full view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calculation: Option<String>,
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
    /// The applicant's own statement of why they need support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_reasons: Option<Vec<StatedReason>>,
    /// The applicant's work capacity as the decision in force assessed it,
    /// in the labour-market view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_capacity_percent: Option<i32>,
    /// The persons of the household, adults first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub household: Option<Vec<Member>>,
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
    /// The decision in force, in the full view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Decisions replaced, oldest first, in the full view (empty when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_decisions: Option<Vec<Decision>>,
    /// The decision in force as the portal shows it, in the receipt view
    /// once decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_notice: Option<DecisionNotice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<String>,
    pub links: ApplicationLinks,
}

impl Application {
    /// The application as `view` may see it, with its decisions oldest
    /// first. A stored value this code cannot read is a broken row: a 500
    /// that names the column, never a guess.
    pub fn new(
        row: ApplicationRow,
        household: Household,
        decisions: Vec<(DecisionRow, Vec<AdultRow>)>,
        view: ApplicationView,
    ) -> Result<Self, AppError> {
        let full = view == ApplicationView::Full;
        let person = view != ApplicationView::Receipt;
        let (incomes, expenses) = household.lines()?;
        let members = household
            .members
            .iter()
            .map(Member::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let reasons = stored(
            "applications.reasons_for_need",
            serde_json::from_str::<Vec<String>>(&row.reasons_for_need).map_err(|_| ()),
        )?
        .iter()
        .map(|r| stored("applications.reasons_for_need", StatedReason::parse(r)))
        .collect::<Result<Vec<_>, _>>()?;
        let self_link = format!("/api/v1/{}/applications/{}", row.municipality, row.id);
        let applicant_link = format!(
            "/api/v1/{}/applicants/{}",
            row.municipality, row.applicant_id
        );
        let applicant_id = stored_uuid("applications.applicant_id", &row.applicant_id)?;
        let channel = stored("applications.channel", Channel::parse(&row.channel))?;
        let mut name_mismatch: Vec<NameMismatch> = match &row.name_mismatch {
            None => Vec::new(),
            Some(text) => stored(
                "applications.name_mismatch",
                serde_json::from_str(text).map_err(|_| ()),
            )?,
        };
        for entry in &mut name_mismatch {
            // Written before households, the partner was the co-applicant.
            if entry.member == "co_applicant" {
                entry.member = "partner".into();
            }
        }
        let replaced_by = |id: &str| {
            decisions
                .iter()
                .find(|(d, _)| d.replaces.as_deref() == Some(id))
                .map(|(d, _)| d.id.clone())
        };
        let mut documents = decisions
            .iter()
            .map(|(d, adults)| Decision::new(d, adults, replaced_by(&d.id), None))
            .collect::<Result<Vec<_>, _>>()?;
        let in_force = documents
            .iter()
            .position(|d| d.replaced_by.is_none())
            .map(|i| documents.remove(i));
        let capacity = in_force.as_ref().and_then(|d| {
            d.adults
                .iter()
                .find(|a| a.applicant_id == applicant_id)
                .map(|a| a.work_capacity_percent)
        });
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
            // record their consents; never another member's.
            applicant_id,
            stated_reasons: person.then_some(reasons),
            work_capacity_percent: (view == ApplicationView::LabourMarket)
                .then_some(capacity)
                .flatten(),
            household: full.then_some(members),
            channel: full.then_some(channel),
            incomes: full.then_some(incomes),
            expenses: full.then_some(expenses),
            message: full.then_some(row.message).flatten(),
            name_mismatch: full.then_some(name_mismatch),
            decision_notice: (view == ApplicationView::Receipt)
                .then(|| in_force.as_ref().map(DecisionNotice::from))
                .flatten(),
            replaced_decisions: full.then_some(documents),
            decision: full.then_some(in_force).flatten(),
            submitted_by: full.then_some(row.submitted_by),
            links: ApplicationLinks {
                calculation: full.then(|| format!("{self_link}/calculation")),
                self_link,
                applicant: person.then_some(applicant_link),
            },
            municipality: row.municipality,
        })
    }
}

impl Application {
    /// The part of the application that is about `member` (the person
    /// `person`), for a register extract of someone the application names
    /// but who did not apply: their own place in the household, their own
    /// lines and name check, and the decisions that cover them with only
    /// their own assessment; not the applicant's message, nor anyone
    /// else's figures or assessments.
    pub fn restrict_to(&mut self, member: &str, person: Uuid) {
        if let Some(household) = &mut self.household {
            household.retain(|m| m.member == member);
        }
        if let Some(incomes) = &mut self.incomes {
            incomes.retain(|l| l.member == member);
        }
        if let Some(expenses) = &mut self.expenses {
            expenses.retain(|l| l.member == member);
        }
        if let Some(mismatch) = &mut self.name_mismatch {
            mismatch.retain(|m| m.member == member);
        }
        self.message = None;
        let covers = |d: &Decision| {
            d.persons_covered
                .as_ref()
                .is_some_and(|p| p.iter().any(|k| k == member))
        };
        let own = |mut d: Decision| {
            d.adults.retain(|a| a.applicant_id == person);
            d
        };
        self.decision = self.decision.take().filter(covers).map(own);
        if let Some(replaced) = self.replaced_decisions.take() {
            self.replaced_decisions = Some(replaced.into_iter().filter(covers).map(own).collect());
        }
    }
}

/// One page of applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationPage {
    pub items: Vec<Application>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
