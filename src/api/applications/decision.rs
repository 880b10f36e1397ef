//! A decision to record on an application: the legal document the
//! committee's decision-maker signs.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::applicants::model::required;
use crate::api::formats::{Line, MemberKey as MemberKeyText, Reasons, Sek};
use crate::auth::Principal;
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::decision::{self, DecisionKind, Outcome, ReplacementGround};
use crate::domain::household::MemberKey;
use crate::domain::legal::LegalBasisCode;
use crate::domain::money::parse_sek;
use crate::domain::obstacle::SupportObstacle;
use crate::domain::time;
use crate::error::AppError;

/// The days a decision covers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodBody {
    /// The first day covered.
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub from: Option<String>,
    /// The last day covered.
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub to: Option<String>,
}

/// The caseworker's assessment of one adult the decision covers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdultAssessmentBody {
    /// The adult: `applicant` or `partner`.
    #[schema(value_type = MemberKeyText, required = true)]
    pub member: Option<String>,
    /// Assessed work capacity, 0–100 percent of full time; 25 or more
    /// starts the coach-within-a-week rule (BR-5).
    #[schema(value_type = i32, minimum = 0, maximum = 100, required = true)]
    #[serde(default, deserialize_with = "crate::api::json::optional_integer")]
    pub work_capacity_percent: Option<i32>,
    /// The adult's *försörjningshinder*, in Socialstyrelsen's categories.
    #[schema(value_type = SupportObstacle, required = true)]
    pub support_obstacle: Option<String>,
}

/// The person who makes the decision and the delegation they act under.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionMakerBody {
    /// The decision-maker's user id in the municipality's identity
    /// provider or case system. Required from the case system (the
    /// caseworker it acts for); a caseworker decides in their own name
    /// (their token's `sub`), so may leave it out.
    #[schema(value_type = Option<Line>)]
    pub user_id: Option<String>,
    #[schema(value_type = Line, required = true, example = "Anna Andersson")]
    pub name: Option<String>,
    #[schema(value_type = Line, required = true, example = "Socialsekreterare")]
    pub title: Option<String>,
    /// The point of the committee's delegation order the decision is made
    /// under.
    #[schema(value_type = Line, required = true, example = "Delegationsordning 3.1.1")]
    pub delegation: Option<String>,
}

/// A decision to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "outcome": "partially_rejected",
    "amount": "8450.00",
    "period": { "from": "2026-12-01", "to": "2026-12-31" },
    "legal_basis": [ "sol_2025_12_1", "sol_2025_12_7", "stf_2025_12_2" ],
    "reasons": "Kostnaden för hemförsäkring beviljas inte: den ingår redan i hyran.",
    "persons_covered": [ "applicant", "partner", "child_1" ],
    "adults": [
        { "member": "applicant", "work_capacity_percent": 50, "support_obstacle": "unemployed_no_benefit" },
        { "member": "partner", "work_capacity_percent": 0, "support_obstacle": "sick_with_certificate_insufficient_benefit" }
    ],
    "decision_maker": { "name": "Anna Andersson", "title": "Socialsekreterare", "delegation": "Delegationsordning 3.1.1" }
}))]
pub struct DecisionBody {
    #[schema(value_type = Outcome, required = true)]
    pub outcome: Option<String>,
    /// Required and above zero when money is granted (`granted`,
    /// `partially_rejected`); `0.00` or absent otherwise. It is the
    /// application's norm calculation (`GET .../calculation`) unless
    /// `deviation_reason` says why not.
    #[schema(value_type = Option<Sek>)]
    pub amount: Option<String>,
    /// The days covered, within the application's support month.
    #[schema(required = true)]
    pub period: Option<PeriodBody>,
    /// The provisions the decision rests on, 1–5, each in force on the day
    /// the decision is recorded and fit for the outcome, one of them the
    /// right it rests on (see the legal-basis table in the documentation).
    #[serde(default)]
    #[schema(value_type = Vec<LegalBasisCode>, min_items = 1, max_items = 5)]
    pub legal_basis: Vec<String>,
    /// The reasons (*motivering*, FL 32 §): required unless everything
    /// applied for is granted.
    #[schema(value_type = Option<Reasons>)]
    pub reasons: Option<String>,
    /// The persons the decision covers, by member key: the applicant, and
    /// the partner and children it covers (another adult sharing the home
    /// applies on their own).
    #[serde(default)]
    #[schema(value_type = Vec<MemberKeyText>, min_items = 1, max_items = 22)]
    pub persons_covered: Vec<String>,
    /// The assessment of each adult covered, exactly once each; none on a
    /// dismissal, which tries nothing.
    #[serde(default)]
    #[schema(max_items = 2)]
    pub adults: Vec<AdultAssessmentBody>,
    #[schema(required = true)]
    pub decision_maker: Option<DecisionMakerBody>,
    /// Why the amount granted differs from the application's norm
    /// calculation: required when it does, refused when it does not (and
    /// when nothing is granted).
    #[schema(value_type = Option<Reasons>)]
    pub deviation_reason: Option<String>,
}

/// A decision that replaces the one in force.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "ground": "reconsideration",
    "reason": "Nya uppgifter om hyran har kommit in.",
    "decision": {
        "outcome": "granted", "amount": "9650.00",
        "period": { "from": "2026-12-01", "to": "2026-12-31" },
        "legal_basis": [ "sol_2025_12_1", "sol_2025_12_7", "stf_2025_12_2" ],
        "persons_covered": [ "applicant" ],
        "adults": [ { "member": "applicant", "work_capacity_percent": 50, "support_obstacle": "unemployed_no_benefit" } ],
        "decision_maker": { "name": "Anna Andersson", "title": "Socialsekreterare", "delegation": "Delegationsordning 3.1.1" }
    }
}))]
pub struct ReplacementBody {
    #[schema(value_type = ReplacementGround, required = true)]
    pub ground: Option<String>,
    /// Why the decision is replaced.
    #[schema(value_type = Reasons, required = true)]
    pub reason: Option<String>,
    #[schema(required = true)]
    pub decision: Option<DecisionBody>,
}

/// One adult's assessment as checked.
#[derive(Debug, Clone)]
pub struct AdultAssessment {
    pub member: MemberKey,
    pub work_capacity_percent: i32,
    pub support_obstacle: SupportObstacle,
}

/// The decision-maker as checked.
#[derive(Debug, Clone)]
pub struct DecisionMaker {
    pub user_id: String,
    pub name: String,
    pub title: String,
    pub delegation: String,
}

/// A decision whose every field has passed the rules that need nothing but
/// the body; the rules that need the application run in its transaction.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub outcome: Outcome,
    pub amount: Decimal,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub legal_basis: Vec<LegalBasisCode>,
    pub reasons: Option<String>,
    pub persons_covered: Vec<MemberKey>,
    pub adults: Vec<AdultAssessment>,
    pub decision_maker: DecisionMaker,
    pub deviation_reason: Option<String>,
}

/// A replacement as checked.
#[derive(Debug, Clone)]
pub struct NewReplacement {
    pub ground: ReplacementGround,
    pub reason: String,
    pub decision: NewDecision,
}

pub(crate) fn date(text: &Option<String>) -> Result<NaiveDate, String> {
    required(text)
        .and_then(|d| time::parse_date(d).ok_or_else(|| "must be a date, YYYY-MM-DD".into()))
}

/// Checks a decision, naming every bad field under `prefix` (`""` or
/// `decision.`).
fn check_decision(
    c: &mut Checker,
    prefix: &str,
    body: &DecisionBody,
    caller: &Principal,
) -> Option<NewDecision> {
    let f = |name: &str| format!("{prefix}{name}");
    let outcome = c.check(
        &f("outcome"),
        required(&body.outcome)
            .and_then(Outcome::parse)
            .and_then(|o| {
                if o.fits(DecisionKind::Assistance) {
                    Ok(o)
                } else {
                    Err(format!(
                        "{o} is the outcome of a recovery decision (POST .../decisions)"
                    ))
                }
            }),
    );
    let amount = outcome.and_then(|o| {
        c.check(
            &f("amount"),
            body.amount
                .as_deref()
                .map(|text| parse_sek(text, false))
                .transpose()
                .and_then(|a| decision::amount(o, a)),
        )
    });
    let (from, to) = match &body.period {
        Some(p) => (
            c.check(&f("period.from"), date(&p.from)),
            c.check(&f("period.to"), date(&p.to)),
        ),
        None => (c.check(&f("period"), Err("is required".into())), None),
    };
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        c.check::<()>(&f("period"), Err("from must not be after to".into()));
    }
    if body.legal_basis.is_empty() || body.legal_basis.len() > 5 {
        c.check::<()>(&f("legal_basis"), Err("must name 1–5 provisions".into()));
    }
    let mut legal_basis = Vec::new();
    for (i, code) in body.legal_basis.iter().enumerate() {
        if let Some(code) = c.check(
            &f(&format!("legal_basis[{i}]")),
            LegalBasisCode::parse(code),
        ) {
            if legal_basis.contains(&code) {
                c.check::<()>(
                    &f(&format!("legal_basis[{i}]")),
                    Err("is named twice".into()),
                );
            }
            legal_basis.push(code);
        }
    }
    let reasons = match (&body.reasons, outcome) {
        (Some(r), _) => c.check(&f("reasons"), rules::note(r, 2000).map(Some)),
        (None, Some(o)) if o.needs_reasons() => c.check(
            &f("reasons"),
            Err(format!(
                "a decision that is not a full grant states its reasons (FL 32 §); outcome is {o}"
            )),
        ),
        (None, _) => Some(None),
    };
    if body.persons_covered.is_empty() || body.persons_covered.len() > 22 {
        c.check::<()>(&f("persons_covered"), Err("must name 1–22 persons".into()));
    }
    let mut persons_covered = Vec::new();
    for (i, key) in body.persons_covered.iter().enumerate() {
        if let Some(key) = c.check(&f(&format!("persons_covered[{i}]")), MemberKey::parse(key)) {
            if persons_covered.contains(&key) {
                c.check::<()>(
                    &f(&format!("persons_covered[{i}]")),
                    Err("is named twice".into()),
                );
            }
            persons_covered.push(key);
        }
    }
    if body.adults.len() > 2 {
        c.check::<()>(&f("adults"), Err("must have at most 2 adults".into()));
    }
    let mut adults = Vec::new();
    for (i, adult) in body.adults.iter().enumerate() {
        let at = |name: &str| f(&format!("adults[{i}].{name}"));
        let member = c.check(
            &at("member"),
            required(&adult.member).and_then(MemberKey::parse),
        );
        let capacity = c.check(
            &at("work_capacity_percent"),
            match adult.work_capacity_percent {
                Some(p) if (0..=100).contains(&p) => Ok(p),
                Some(_) => Err("must be between 0 and 100".to_owned()),
                None => Err("is required".to_owned()),
            },
        );
        let obstacle = c.check(
            &at("support_obstacle"),
            required(&adult.support_obstacle).and_then(SupportObstacle::parse),
        );
        if let (Some(member), Some(work_capacity_percent), Some(support_obstacle)) =
            (member, capacity, obstacle)
        {
            if adults.iter().any(|a: &AdultAssessment| a.member == member) {
                c.check::<()>(&at("member"), Err("is assessed twice".into()));
            }
            adults.push(AdultAssessment {
                member,
                work_capacity_percent,
                support_obstacle,
            });
        }
    }
    let decision_maker = match &body.decision_maker {
        None => c.check(&f("decision_maker"), Err("is required".into())),
        Some(m) => decision_maker(c, &f("decision_maker"), m, caller),
    };
    let deviation_reason = body
        .deviation_reason
        .as_ref()
        .and_then(|r| c.check(&f("deviation_reason"), rules::note(r, 2000)));
    Some(NewDecision {
        outcome: outcome?,
        amount: amount?,
        from: from?,
        to: to?,
        legal_basis,
        reasons: reasons?,
        persons_covered,
        adults,
        decision_maker: decision_maker?,
        deviation_reason,
    })
}

/// The decision-maker: a caseworker decides in their own name; the case
/// system names the caseworker it acts for.
pub(crate) fn decision_maker(
    c: &mut Checker,
    field: &str,
    m: &DecisionMakerBody,
    caller: &Principal,
) -> Option<DecisionMaker> {
    let machine = !caller.role.is_staff();
    let user_id = match (&m.user_id, machine) {
        (None, true) => c.check(
            &format!("{field}.user_id"),
            Err("the case system names the caseworker it acts for".into()),
        ),
        (None, false) => Some(caller.subject.clone()),
        (Some(id), true) => c.check(&format!("{field}.user_id"), rules::line(id, 200)),
        (Some(id), false) if *id == caller.subject => Some(id.clone()),
        (Some(_), false) => c.check(
            &format!("{field}.user_id"),
            Err("a caseworker decides in their own name: leave it out or give your own".into()),
        ),
    };
    let name = c.check(
        &format!("{field}.name"),
        required(&m.name).and_then(|n| rules::line(n, 200)),
    );
    let title = c.check(
        &format!("{field}.title"),
        required(&m.title).and_then(|n| rules::line(n, 200)),
    );
    let delegation = c.check(
        &format!("{field}.delegation"),
        required(&m.delegation).and_then(|n| rules::line(n, 200)),
    );
    Some(DecisionMaker {
        user_id: user_id?,
        name: name?,
        title: title?,
        delegation: delegation?,
    })
}

/// Checks a decision, naming every bad field.
pub fn new_decision(body: &DecisionBody, caller: &Principal) -> Result<NewDecision, AppError> {
    let mut c = Checker::default();
    let decision = check_decision(&mut c, "", body, caller);
    c.finish().map_err(AppError::Validation)?;
    decision.ok_or_else(|| AppError::internal("validated decision missing"))
}

/// Checks a replacement, naming every bad field.
pub fn new_replacement(
    body: &ReplacementBody,
    caller: &Principal,
) -> Result<NewReplacement, AppError> {
    let mut c = Checker::default();
    let ground = c.check(
        "ground",
        required(&body.ground).and_then(ReplacementGround::parse),
    );
    let reason = c.check(
        "reason",
        required(&body.reason).and_then(|r| rules::note(r, 2000)),
    );
    let decision = match &body.decision {
        Some(d) => check_decision(&mut c, "decision.", d, caller),
        None => c.check("decision", Err("is required".into())),
    };
    c.finish().map_err(AppError::Validation)?;
    let missing = || AppError::internal("validated replacement missing");
    Ok(NewReplacement {
        ground: ground.ok_or_else(missing)?,
        reason: reason.ok_or_else(missing)?,
        decision: decision.ok_or_else(missing)?,
    })
}
