//! What a submission of an application holds, and the rules it must pass.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::applicants::model::required;
use crate::api::formats::{
    MemberKey as MemberKeyText, Message, Month as MonthText, Name,
    PersonalNumber as PersonalNumberText, Sek,
};
use crate::domain::PersonalNumber;
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::application::{Channel, ExpenseKind, IncomeKind, StatedReason};
use crate::domain::household::{self, LineSource, MemberKey, MemberRole, SchoolStatus};
use crate::domain::money::parse_sek;
use crate::domain::month::Month;
use crate::domain::time;
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

/// A child in the household, to record: by birth date or personal number.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChildBody {
    /// Required unless `personal_number` is given; must agree with it when
    /// both are.
    #[schema(value_type = Option<NaiveDate>, max_length = 10, example = "2019-05-14")]
    pub birth_date: Option<String>,
    #[schema(value_type = Option<PersonalNumberText>)]
    pub personal_number: Option<String>,
    /// Days a month the child lives in the home, 1–30 (default 30, all the
    /// time; 15 for alternating residence week by week).
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 30, example = 15)]
    #[serde(default, deserialize_with = "crate::api::json::optional_integer")]
    pub days_in_home: Option<i32>,
    /// Required for a child who is 19 or 20 at the start of the support
    /// month: such a child counts only while in upper secondary school.
    #[schema(value_type = Option<SchoolStatus>)]
    pub school_status: Option<String>,
    /// A child under 7 who eats lunch at preschool (or pedagogical care)
    /// five days a week: the norm then counts the lower amount for their
    /// age (default false).
    #[serde(default)]
    pub preschool_lunch: Option<bool>,
}

/// A declared income or expense, as read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmountLineBody {
    pub member: Option<String>,
    pub kind: Option<String>,
    pub applied_amount: Option<String>,
    pub source: Option<String>,
}

/// An income of a person in the household.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "describes AmountLineBody in the contract only")]
pub struct IncomeLineBody {
    /// Whose income (default `applicant`).
    #[schema(value_type = Option<MemberKeyText>)]
    member: Option<String>,
    kind: IncomeKind,
    /// SEK per month, as declared or as the other authority gave it.
    #[schema(value_type = Sek)]
    applied_amount: String,
    /// Where the figure comes from (default `declared`; the portal sends
    /// only `declared`).
    source: Option<LineSource>,
}

/// An expense of a person in the household.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "describes AmountLineBody in the contract only")]
pub struct ExpenseLineBody {
    /// Whose expense (default `applicant`).
    #[schema(value_type = Option<MemberKeyText>)]
    member: Option<String>,
    kind: ExpenseKind,
    /// SEK per month applied for.
    #[schema(value_type = Sek)]
    applied_amount: String,
    /// Where the figure comes from (default `declared`; the portal sends
    /// only `declared`).
    source: Option<LineSource>,
}

/// A new application for one month of support.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "applicant": { "personal_number": "19121212-1212", "first_name": "Tolvan", "last_name": "Tolvansson" },
    "children": [ { "birth_date": "2019-05-14", "days_in_home": 15 } ],
    "support_month": "2026-12",
    "channel": "e_service",
    "stated_reasons": [ "unemployed" ],
    "incomes": [ { "member": "applicant", "kind": "housing_allowance", "applied_amount": "1200.00" } ],
    "expenses": [ { "kind": "rent", "applied_amount": "6200.00" }, { "kind": "electricity", "applied_amount": "450.50" } ],
    "message": "Jag har sökt arbete men inte fått något."
}))]
pub struct NewApplicationBody {
    #[schema(value_type = PersonRefShape, required = true)]
    pub applicant: Option<PersonRef>,
    /// The applicant's spouse or cohabiting partner, who applies with
    /// them (member `partner`), in the same shapes as `applicant`.
    #[schema(value_type = Option<PersonRefShape>)]
    pub partner: Option<PersonRef>,
    /// Other adults sharing the home (members `adult_1`…), at most 10:
    /// named in the household, not covered by the calculation.
    #[serde(default)]
    #[schema(value_type = Vec<PersonRefShape>, max_items = 10)]
    pub other_adults: Vec<PersonRef>,
    /// Children living in the home (members `child_1`…), at most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub children: Vec<ChildBody>,
    /// The month applied for, at most one month ahead of the current one.
    #[schema(value_type = MonthText, required = true)]
    pub support_month: Option<String>,
    /// The e-service portal submits `e_service`.
    #[schema(value_type = Channel, required = true)]
    pub channel: Option<String>,
    /// Why the applicant says they need support, in their own words' terms:
    /// 1–8 codes. Only the applicant's statement: the caseworker assesses
    /// each adult's *försörjningshinder* on the decision.
    #[schema(value_type = Vec<StatedReason>, min_items = 1, max_items = 8, required = true)]
    #[serde(default)]
    pub stated_reasons: Vec<String>,
    /// Incomes of the household's persons this month, at most 50 lines.
    #[serde(default)]
    #[schema(value_type = Vec<IncomeLineBody>, max_items = 50)]
    pub incomes: Vec<AmountLineBody>,
    /// Expenses of the household's persons this month, at most 50 lines.
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

/// A child as checked.
#[derive(Debug, Clone)]
pub struct NewChild {
    pub birth_date: NaiveDate,
    pub personal_number: Option<PersonalNumber>,
    pub days_in_home: i32,
    pub school_status: Option<SchoolStatus>,
    pub preschool_lunch: bool,
}

/// An income or expense as checked: whose, what, how much, from where.
#[derive(Debug, Clone)]
pub struct NewLine<K> {
    pub member: MemberKey,
    pub kind: K,
    pub amount: Decimal,
    pub source: LineSource,
}

/// A new application whose every field has passed the rules.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub applicant: PersonInput,
    pub partner: Option<PersonInput>,
    pub other_adults: Vec<PersonInput>,
    pub children: Vec<NewChild>,
    pub support_month: Month,
    pub channel: Channel,
    pub reasons: Vec<StatedReason>,
    pub incomes: Vec<NewLine<IncomeKind>>,
    pub expenses: Vec<NewLine<ExpenseKind>>,
    pub message: Option<String>,
}

impl PersonInput {
    /// Whether two references name the same person as given.
    fn same_as(&self, other: &PersonInput) -> bool {
        match (self, other) {
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
        }
    }
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

/// The members an application's lines may name.
struct Members {
    partner: bool,
    other_adults: usize,
    children: usize,
}

impl Members {
    fn check(&self, key: &str) -> Result<MemberKey, String> {
        let key = MemberKey::parse(key)?;
        let n = |k: &MemberKey| {
            k.as_str()
                .rsplit('_')
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0)
        };
        let present = match key.role() {
            MemberRole::Applicant => true,
            MemberRole::Partner => self.partner,
            MemberRole::OtherAdult => n(&key) <= self.other_adults,
            MemberRole::Child => n(&key) <= self.children,
        };
        if present {
            Ok(key)
        } else {
            Err(format!(
                "names no person of this application's household: {key}"
            ))
        }
    }
}

fn lines<K>(
    c: &mut Checker,
    field: &str,
    body: &[AmountLineBody],
    (members, portal): (&Members, bool),
    kind: fn(&str) -> Result<K, String>,
) -> Vec<NewLine<K>> {
    if body.len() > 50 {
        c.check::<()>(field, Err("must have at most 50 lines".into()));
    }
    body.iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let member = c.check(
                &format!("{field}[{i}].member"),
                members.check(line.member.as_deref().unwrap_or("applicant")),
            );
            let k = c.check(
                &format!("{field}[{i}].kind"),
                required(&line.kind).and_then(kind),
            );
            let amount = c.check(
                &format!("{field}[{i}].applied_amount"),
                required(&line.applied_amount).and_then(|a| parse_sek(a, false)),
            );
            let source = c.check(
                &format!("{field}[{i}].source"),
                match line.source.as_deref().map(LineSource::parse).transpose() {
                    Ok(None) => Ok(LineSource::Declared),
                    Ok(Some(s)) if portal && s != LineSource::Declared => {
                        Err("the e-service portal sends declared figures only".into())
                    }
                    other => other.map(|s| s.unwrap_or(LineSource::Declared)),
                },
            );
            Some(NewLine {
                member: member?,
                kind: k?,
                amount: amount?,
                source: source?,
            })
        })
        .collect()
}

/// Checks a child: a birth date or a personal number (agreeing when both
/// are given), days in the home, and school at 19–20.
fn child(
    c: &mut Checker,
    i: usize,
    body: &ChildBody,
    month: Option<Month>,
    today: NaiveDate,
) -> Option<NewChild> {
    let at = |name: &str| format!("children[{i}].{name}");
    let personal_number = body.personal_number.as_ref().and_then(|pn| {
        c.check(
            &at("personal_number"),
            PersonalNumber::parse(pn, today).map_err(|e| e.to_string()),
        )
    });
    let given = body.birth_date.as_ref().and_then(|d| {
        c.check(
            &at("birth_date"),
            time::parse_date(d).ok_or_else(|| "must be a date, YYYY-MM-DD".to_owned()),
        )
    });
    let from_number = personal_number
        .as_ref()
        .and_then(PersonalNumber::birth_date);
    let birth_date = match (given, from_number, &body.birth_date, &body.personal_number) {
        (Some(d), Some(n), _, _) if d != n => c.check(
            &at("birth_date"),
            Err("does not agree with the personal number".to_owned()),
        ),
        (Some(d), _, _, _) | (None, Some(d), _, _) => Some(d),
        (None, None, None, None) => c.check(
            &at("birth_date"),
            Err("is required unless personal_number is given".to_owned()),
        ),
        (None, None, _, _) => None,
    };
    let days_in_home = c.check(
        &at("days_in_home"),
        household::days_in_home(body.days_in_home.unwrap_or(household::DAYS_IN_MONTH)),
    );
    let school_status = match &body.school_status {
        Some(s) => c
            .check(&at("school_status"), SchoolStatus::parse(s))
            .map(Some),
        None => Some(None),
    };
    if let (Some(birth), Some(month), Some(school)) = (birth_date, month, school_status) {
        c.check(
            &at("birth_date"),
            household::child_counts(birth, month.first_day(), school),
        );
    }
    Some(NewChild {
        birth_date: birth_date?,
        personal_number,
        days_in_home: days_in_home?,
        school_status: school_status?,
        preschool_lunch: body.preschool_lunch.unwrap_or(false),
    })
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
    let partner = body
        .partner
        .as_ref()
        .map(|p| person(&mut c, "partner", p, submitted_by_portal, today));
    if body.other_adults.len() > 10 {
        c.check::<()>("other_adults", Err("must have at most 10 adults".into()));
    }
    let other_adults: Vec<Option<PersonInput>> = body
        .other_adults
        .iter()
        .enumerate()
        .map(|(i, p)| {
            person(
                &mut c,
                &format!("other_adults[{i}]"),
                p,
                submitted_by_portal,
                today,
            )
        })
        .collect();
    let mut adults: Vec<(String, &PersonInput)> = Vec::new();
    if let Some(a) = &applicant {
        adults.push(("applicant".into(), a));
    }
    if let Some(Some(p)) = &partner {
        adults.push(("partner".into(), p));
    }
    for (i, a) in other_adults.iter().enumerate() {
        if let Some(a) = a {
            adults.push((format!("other_adults[{i}]"), a));
        }
    }
    for (i, (field, a)) in adults.iter().enumerate() {
        if adults[..i].iter().any(|(_, earlier)| earlier.same_as(a)) {
            c.check::<()>(field, Err("names a person already in the household".into()));
        }
    }
    let support_month = c.check(
        "support_month",
        required(&body.support_month)
            .and_then(Month::parse)
            .and_then(|m| m.check_support_month(today)),
    );
    if body.children.len() > 20 {
        c.check::<()>("children", Err("must have at most 20 children".into()));
    }
    let children: Vec<Option<NewChild>> = body
        .children
        .iter()
        .enumerate()
        .map(|(i, ch)| child(&mut c, i, ch, support_month, today))
        .collect();
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
    if body.stated_reasons.is_empty() {
        c.check::<()>(
            "stated_reasons",
            Err("must name at least one reason".into()),
        );
    }
    if body.stated_reasons.len() > StatedReason::ALL.len() {
        c.check::<()>(
            "stated_reasons",
            Err(format!(
                "must have at most {} reasons",
                StatedReason::ALL.len()
            )),
        );
    }
    let reasons: Vec<StatedReason> = body
        .stated_reasons
        .iter()
        .enumerate()
        .filter_map(|(i, r)| c.check(&format!("stated_reasons[{i}]"), StatedReason::parse(r)))
        .collect();
    let members = Members {
        partner: body.partner.is_some(),
        other_adults: body.other_adults.len(),
        children: body.children.len(),
    };
    let who = (&members, submitted_by_portal);
    let incomes = lines(&mut c, "incomes", &body.incomes, who, IncomeKind::parse);
    let expenses = lines(&mut c, "expenses", &body.expenses, who, ExpenseKind::parse);
    let message = body
        .message
        .as_ref()
        .and_then(|m| c.check("message", rules::note(m, 4000)));
    c.finish().map_err(AppError::Validation)?;
    let missing = || AppError::internal("validated field missing");
    Ok(NewApplication {
        applicant: applicant.ok_or_else(missing)?,
        partner: partner.map(|p| p.ok_or_else(missing)).transpose()?,
        other_adults: other_adults
            .into_iter()
            .map(|p| p.ok_or_else(missing))
            .collect::<Result<_, _>>()?,
        children: children
            .into_iter()
            .map(|ch| ch.ok_or_else(missing))
            .collect::<Result<_, _>>()?,
        support_month: support_month.ok_or_else(missing)?,
        channel: channel.ok_or_else(missing)?,
        reasons,
        incomes,
        expenses,
        message,
    })
}
