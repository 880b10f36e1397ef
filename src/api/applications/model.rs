//! Request and response types of applications and decisions, and their
//! conversion to domain values.

use chrono::{DateTime, Datelike, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::applicants::model::required;
use crate::api::formats::{
    Message, Month as MonthText, Name, PersonalNumber as PersonalNumberText, Reasons, Sek,
};
use crate::auth::policy::ApplicationView;
use crate::db::applications::{ApplicationRow, DecisionRow, ItemRow};
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::application::{
    Channel, ExpenseKind, IncomeKind, Outcome, ReasonForNeed, Status,
};
use crate::domain::money::{from_ore, parse_sek};
use crate::domain::month::Month;
use crate::domain::{PersonalNumber, time};
use crate::error::AppError;

/// The person an application covers, as read: every part optional, so that
/// one answer can name every missing or bad part. The contract states the
/// two shapes it accepts as [`PersonRefShape`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRef {
    pub id: Option<String>,
    pub personal_number: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// The person an application covers: an existing applicant by `id`, or a
/// `personal_number` that finds the applicant in the municipality or, with
/// `first_name` and `last_name`, registers them. The e-service portal always
/// names the person in full (personal number and both names).
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(as = PersonRef)]
pub enum PersonRefShape {
    ById(PersonById),
    ByNumber(PersonByNumber),
}

/// An applicant already registered in the municipality.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "describes the accepted shapes in the contract only"
)]
pub struct PersonById {
    /// The applicant's id.
    #[schema(format = Uuid)]
    id: String,
}

/// A person by personal number, with names to register them if new.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "describes the accepted shapes in the contract only"
)]
pub struct PersonByNumber {
    #[schema(value_type = PersonalNumberText)]
    personal_number: String,
    /// Required to register a new applicant, and always from the portal.
    #[schema(value_type = Option<Name>)]
    first_name: Option<String>,
    /// Required to register a new applicant, and always from the portal.
    #[schema(value_type = Option<Name>)]
    last_name: Option<String>,
}

/// A child in the household.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Child {
    #[schema(example = 2019)]
    pub birth_year: i32,
}

/// A child in the household, to record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildBody {
    /// Within the last 21 years.
    #[schema(value_type = i32, example = 2019, required = true, minimum = 2000, maximum = 2099)]
    #[serde(default, deserialize_with = "crate::api::json::optional_integer")]
    pub birth_year: Option<i32>,
}

/// A declared income or expense, as read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmountLineBody {
    pub kind: Option<String>,
    pub amount: Option<String>,
}

/// A declared income.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "describes AmountLineBody in the contract only")]
pub struct IncomeLineBody {
    kind: IncomeKind,
    /// SEK per month.
    #[schema(value_type = Sek)]
    amount: String,
}

/// A declared expense.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "describes AmountLineBody in the contract only")]
pub struct ExpenseLineBody {
    kind: ExpenseKind,
    /// SEK per month.
    #[schema(value_type = Sek)]
    amount: String,
}

/// A new application for one month of support.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "applicant": { "personal_number": "19121212-1212", "first_name": "Tolvan", "last_name": "Tolvansson" },
    "children": [ { "birth_year": 2019 } ],
    "support_month": "2026-12",
    "channel": "e_service",
    "reasons_for_need": [ "unemployed" ],
    "incomes": [ { "kind": "housing_allowance", "amount": "1200.00" } ],
    "expenses": [ { "kind": "rent", "amount": "6200.00" }, { "kind": "electricity", "amount": "450.50" } ],
    "message": "Jag har sökt arbete men inte fått något."
}))]
pub struct NewApplicationBody {
    #[schema(value_type = PersonRefShape, required = true)]
    pub applicant: Option<PersonRef>,
    /// A partner sharing the household, in the same shapes as `applicant`.
    #[schema(value_type = Option<PersonRefShape>)]
    pub co_applicant: Option<PersonRef>,
    /// Children in the household, at most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub children: Vec<ChildBody>,
    /// The month applied for, at most one month ahead of the current one.
    #[schema(value_type = MonthText, required = true)]
    pub support_month: Option<String>,
    /// The e-service portal submits `e_service`.
    #[schema(value_type = Channel, required = true)]
    pub channel: Option<String>,
    /// At least one of Socialstyrelsen's categories, at most 8.
    #[schema(value_type = Vec<ReasonForNeed>, min_items = 1, max_items = 8, required = true)]
    #[serde(default)]
    pub reasons_for_need: Vec<String>,
    /// Incomes of the household this month, at most 50 lines.
    #[serde(default)]
    #[schema(value_type = Vec<IncomeLineBody>, max_items = 50)]
    pub incomes: Vec<AmountLineBody>,
    /// Expenses of the household this month, at most 50 lines.
    #[serde(default)]
    #[schema(value_type = Vec<ExpenseLineBody>, max_items = 50)]
    pub expenses: Vec<AmountLineBody>,
    /// Free text from the applicant, at most 4000 characters.
    #[schema(value_type = Option<Message>)]
    pub message: Option<String>,
}

/// A person as checked: an id, or a personal number with optional names.
#[derive(Debug, Clone)]
pub enum PersonInput {
    Existing(String),
    ByNumber {
        personal_number: PersonalNumber,
        first_name: Option<String>,
        last_name: Option<String>,
    },
}

/// A new application whose every field has passed the rules.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub applicant: PersonInput,
    pub co_applicant: Option<PersonInput>,
    pub children: Vec<i32>,
    pub support_month: Month,
    pub channel: Channel,
    pub reasons: Vec<ReasonForNeed>,
    pub incomes: Vec<(IncomeKind, Decimal)>,
    pub expenses: Vec<(ExpenseKind, Decimal)>,
    pub message: Option<String>,
}

/// Checks a person reference. The portal always names the person in full
/// (personal number and names, as the citizen signed the form), so that its
/// answers never tell whether someone is already registered.
fn person(c: &mut Checker, field: &str, p: &PersonRef, portal: bool) -> Option<PersonInput> {
    if portal {
        let mut complete = true;
        if p.id.is_some() {
            c.check::<()>(
                &format!("{field}.id"),
                Err("the e-service gives the person by personal_number and names".into()),
            );
            complete = false;
        }
        for (name, value) in [
            ("personal_number", &p.personal_number),
            ("first_name", &p.first_name),
            ("last_name", &p.last_name),
        ] {
            if value.is_none() {
                c.check::<()>(
                    &format!("{field}.{name}"),
                    Err("is required from the e-service".into()),
                );
                complete = false;
            }
        }
        if !complete {
            return None;
        }
    }
    match (&p.id, &p.personal_number) {
        (Some(id), None) => {
            if p.first_name.is_some() || p.last_name.is_some() {
                c.check::<()>(
                    field,
                    Err("names go with a personal_number, not with an id".into()),
                );
                return None;
            }
            c.check(
                &format!("{field}.id"),
                crate::api::params::strict_uuid(id)
                    .map(|u| PersonInput::Existing(u.to_string()))
                    .ok_or_else(|| "must be a UUID".to_owned()),
            )
        }
        (None, Some(pn)) => {
            let personal_number = c.check(
                &format!("{field}.personal_number"),
                PersonalNumber::parse(pn, time::today_in_sweden()).map_err(|e| e.to_string()),
            );
            let first_name = p
                .first_name
                .as_ref()
                .map(|n| c.check(&format!("{field}.first_name"), rules::name(n)));
            let last_name = p
                .last_name
                .as_ref()
                .map(|n| c.check(&format!("{field}.last_name"), rules::name(n)));
            Some(PersonInput::ByNumber {
                personal_number: personal_number?,
                first_name: first_name.map(|n| n.ok_or(())).transpose().ok()?,
                last_name: last_name.map(|n| n.ok_or(())).transpose().ok()?,
            })
        }
        _ => c.check(field, Err("give either id or personal_number".into())),
    }
}

fn lines<K>(
    c: &mut Checker,
    field: &str,
    body: &[AmountLineBody],
    kind: fn(&str) -> Result<K, String>,
) -> Vec<(K, Decimal)> {
    if body.len() > 50 {
        c.check::<()>(field, Err("must have at most 50 lines".into()));
    }
    body.iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let k = c.check(
                &format!("{field}[{i}].kind"),
                required(&line.kind).and_then(kind),
            );
            let amount = c.check(
                &format!("{field}[{i}].amount"),
                required(&line.amount).and_then(|a| parse_sek(a, false)),
            );
            Some((k?, amount?))
        })
        .collect()
}

/// Checks a new application against the rules, naming every bad field.
pub fn new_application(
    body: &NewApplicationBody,
    submitted_by_portal: bool,
) -> Result<NewApplication, AppError> {
    let mut c = Checker::default();
    let today = time::today_in_sweden();
    let applicant = match &body.applicant {
        Some(p) => person(&mut c, "applicant", p, submitted_by_portal),
        None => c.check("applicant", Err("is required".to_owned())),
    };
    let co_applicant = body
        .co_applicant
        .as_ref()
        .map(|p| person(&mut c, "co_applicant", p, submitted_by_portal));
    if let (Some(a), Some(Some(co))) = (&applicant, &co_applicant) {
        let same = match (a, co) {
            (PersonInput::Existing(x), PersonInput::Existing(y)) => x == y,
            (
                PersonInput::ByNumber {
                    personal_number: x, ..
                },
                PersonInput::ByNumber {
                    personal_number: y, ..
                },
            ) => x == y,
            _ => false,
        };
        if same {
            c.check::<()>("co_applicant", Err("must not be the applicant".into()));
        }
    }
    if body.children.len() > 20 {
        c.check::<()>("children", Err("must have at most 20 children".into()));
    }
    let children: Vec<i32> = body
        .children
        .iter()
        .enumerate()
        .filter_map(|(i, child)| {
            c.check(
                &format!("children[{i}].birth_year"),
                match child.birth_year {
                    Some(year) if year <= today.year() && year > today.year() - 21 => Ok(year),
                    Some(_) => Err("must be a birth year within the last 21 years".to_owned()),
                    None => Err("is required".to_owned()),
                },
            )
        })
        .collect();
    let support_month = c.check(
        "support_month",
        required(&body.support_month)
            .and_then(Month::parse)
            .and_then(|m| m.check_support_month(today)),
    );
    let channel = c.check(
        "channel",
        required(&body.channel)
            .and_then(Channel::parse)
            .and_then(|ch| {
                if submitted_by_portal && ch != Channel::EService {
                    Err("the e-service portal submits with channel e_service".into())
                } else {
                    Ok(ch)
                }
            }),
    );
    if body.reasons_for_need.is_empty() {
        c.check::<()>(
            "reasons_for_need",
            Err("must name at least one reason".into()),
        );
    }
    if body.reasons_for_need.len() > ReasonForNeed::ALL.len() {
        c.check::<()>(
            "reasons_for_need",
            Err(format!(
                "must have at most {} reasons",
                ReasonForNeed::ALL.len()
            )),
        );
    }
    let reasons: Vec<ReasonForNeed> = body
        .reasons_for_need
        .iter()
        .enumerate()
        .filter_map(|(i, r)| c.check(&format!("reasons_for_need[{i}]"), ReasonForNeed::parse(r)))
        .collect();
    let incomes = lines(&mut c, "incomes", &body.incomes, IncomeKind::parse);
    let expenses = lines(&mut c, "expenses", &body.expenses, ExpenseKind::parse);
    let message = body
        .message
        .as_ref()
        .and_then(|m| c.check("message", rules::note(m, 4000)));
    c.finish().map_err(AppError::Validation)?;
    let missing = || AppError::internal("validated field missing");
    Ok(NewApplication {
        applicant: applicant.ok_or_else(missing)?,
        co_applicant: co_applicant.map(|p| p.ok_or_else(missing)).transpose()?,
        children,
        support_month: support_month.ok_or_else(missing)?,
        channel: channel.ok_or_else(missing)?,
        reasons,
        incomes,
        expenses,
        message,
    })
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

/// The error for a stored value this code cannot read. It names the column,
/// never the value (which may be person data).
pub fn unreadable(column: &str) -> AppError {
    AppError::internal(format!("unreadable stored value in {column}"))
}

/// A stored value read strictly: an unreadable one is [`unreadable`].
pub fn stored<T, E>(column: &str, value: Result<T, E>) -> Result<T, AppError> {
    value.map_err(|_| unreadable(column))
}

/// A stored id read strictly.
pub fn stored_uuid(column: &str, text: &str) -> Result<Uuid, AppError> {
    stored(column, Uuid::try_parse(text))
}

/// One page of applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationPage {
    pub items: Vec<Application>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A decision to record (BR-3).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "outcome": "granted", "amount": "8450.00", "work_capacity_percent": 50, "support_month": "2026-12"
}))]
pub struct DecisionBody {
    #[schema(value_type = Outcome, required = true)]
    pub outcome: Option<String>,
    /// Required and above zero when granting; `0.00` or absent for a rejection.
    #[schema(value_type = Option<Sek>)]
    pub amount: Option<String>,
    /// The reasons, required for a rejection; at most 2000 characters.
    #[schema(value_type = Option<Reasons>)]
    pub reason: Option<String>,
    /// Assessed work capacity, 0–100.
    #[schema(value_type = i32, minimum = 0, maximum = 100, required = true)]
    #[serde(default, deserialize_with = "crate::api::json::optional_integer")]
    pub work_capacity_percent: Option<i32>,
    /// Must be the application's support month.
    #[schema(value_type = MonthText, required = true)]
    pub support_month: Option<String>,
}

/// A decision as checked.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub outcome: Outcome,
    pub amount: Decimal,
    pub reason: Option<String>,
    pub work_capacity_percent: i32,
    pub support_month: Month,
}

/// Checks a decision against BR-3, naming every bad field.
pub fn new_decision(body: &DecisionBody) -> Result<NewDecision, AppError> {
    let mut c = Checker::default();
    let outcome = c.check("outcome", required(&body.outcome).and_then(Outcome::parse));
    let amount = match (&body.amount, outcome) {
        (Some(text), Some(o)) => c.check(
            "amount",
            parse_sek(text, false).and_then(|a| match o {
                Outcome::Rejected if !a.is_zero() => {
                    Err("must be 0 or absent for a rejection".into())
                }
                Outcome::Granted | Outcome::PartiallyGranted if a.is_zero() => {
                    Err("must be above zero when granting".into())
                }
                _ => Ok(a),
            }),
        ),
        (None, Some(Outcome::Rejected)) => Some(Decimal::ZERO),
        (None, Some(_)) => c.check("amount", Err("is required when granting".into())),
        (_, None) => None,
    };
    let reason = match (&body.reason, outcome) {
        (Some(r), _) => c.check("reason", rules::note(r, 2000).map(Some)),
        (None, Some(Outcome::Rejected)) => {
            c.check("reason", Err("a rejection needs a reason".into()))
        }
        (None, _) => Some(None),
    };
    let wcp = c.check(
        "work_capacity_percent",
        match body.work_capacity_percent {
            Some(p) if (0..=100).contains(&p) => Ok(p),
            Some(_) => Err("must be between 0 and 100".to_owned()),
            None => Err("is required".to_owned()),
        },
    );
    let support_month = c.check(
        "support_month",
        required(&body.support_month).and_then(Month::parse),
    );
    c.finish().map_err(AppError::Validation)?;
    let missing = || AppError::internal("validated field missing");
    Ok(NewDecision {
        outcome: outcome.ok_or_else(missing)?,
        amount: amount.ok_or_else(missing)?,
        reason: reason.ok_or_else(missing)?,
        work_capacity_percent: wcp.ok_or_else(missing)?,
        support_month: support_month.ok_or_else(missing)?,
    })
}
