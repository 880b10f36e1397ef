//! What a submission of an application holds, and the rules it must pass.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::applicants::model::required;
use crate::api::formats::{
    Message, Month as MonthText, Name, PersonalNumber as PersonalNumberText, Sek,
};
use crate::domain::PersonalNumber;
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::application::{Channel, ExpenseKind, IncomeKind, ReasonForNeed};
use crate::domain::money::parse_sek;
use crate::domain::month::Month;
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
    #[schema(format = Uuid, max_length = 36)]
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
fn person(
    c: &mut Checker,
    field: &str,
    p: &PersonRef,
    portal: bool,
    today: NaiveDate,
) -> Option<PersonInput> {
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
                PersonalNumber::parse(pn, today).map_err(|e| e.to_string()),
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
    today: NaiveDate,
) -> Result<NewApplication, AppError> {
    let mut c = Checker::default();
    let applicant = match &body.applicant {
        Some(p) => person(&mut c, "applicant", p, submitted_by_portal, today),
        None => c.check("applicant", Err("is required".to_owned())),
    };
    let co_applicant = body
        .co_applicant
        .as_ref()
        .map(|p| person(&mut c, "co_applicant", p, submitted_by_portal, today));
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
