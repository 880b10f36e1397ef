//! A decision as the document the decision-maker signs, and as the portal
//! shows it to the citizen.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::decisions::{AdultRow, DecisionRow};
use crate::db::{stored, stored_uuid};
use crate::domain::decision::{self, DecisionKind, Outcome, ReplacementGround};
use crate::domain::legal::{self, LegalBasisCode};
use crate::domain::money::from_ore;
use crate::domain::obstacle::SupportObstacle;
use crate::error::AppError;

/// The days a decision covers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A provision a decision rests on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LegalReference {
    pub code: LegalBasisCode,
    /// As printed on the decision.
    #[schema(example = "12 kap. 1 § socialtjänstlagen (2025:400)")]
    pub citation: String,
}

/// The caseworker's assessment of one adult the decision covers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdultAssessment {
    #[schema(example = "applicant")]
    pub member: String,
    pub applicant_id: Uuid,
    /// Assessed work capacity, 0–100 percent of full time.
    pub work_capacity_percent: i32,
    /// `null` only on decisions recorded before per-adult assessments.
    pub support_obstacle: Option<SupportObstacle>,
}

/// Who made the decision, under which delegation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionMaker {
    /// Their user id (a caseworker's token `sub`, or the id the case system
    /// gave).
    pub user_id: String,
    pub name: String,
    pub title: String,
    /// The point of the delegation order.
    pub delegation: String,
}

/// How the decision can be appealed (FL 33 §).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppealNotice {
    pub appealable: bool,
    /// The court that tries an appeal.
    #[schema(example = "förvaltningsrätten")]
    pub court: Option<String>,
    /// Where the appeal is lodged: the committee that decided.
    #[schema(example = "socialnämnden")]
    pub lodge_with: Option<String>,
    /// Weeks from the day the person was notified.
    #[schema(example = 3)]
    pub within_weeks: Option<u32>,
    /// The notice as printed on the decision, in Swedish.
    pub text_sv: String,
}

impl From<decision::AppealNotice> for AppealNotice {
    fn from(n: decision::AppealNotice) -> Self {
        Self {
            appealable: n.appealable,
            court: n.court.map(str::to_owned),
            lodge_with: n.lodge_with.map(str::to_owned),
            within_weeks: n.within_weeks,
            text_sv: n.text_sv.to_owned(),
        }
    }
}

/// What this decision replaced, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Replacement {
    /// The decision replaced.
    pub decision_id: Uuid,
    pub ground: ReplacementGround,
    pub reason: String,
}

/// The norm calculation the decision used.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NormStamp {
    /// The norm table's year and revision.
    pub norm_year: i32,
    pub norm_revision: i32,
    /// What the calculation came to, SEK.
    #[schema(value_type = String, example = "8450.00")]
    pub calculated_amount: Decimal,
    /// Why the decided amount differs from it, when it does.
    pub deviation_reason: Option<String>,
}

/// A decision: the legal document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Decision {
    pub id: Uuid,
    #[schema(example = "0483")]
    pub municipality: String,
    pub kind: DecisionKind,
    pub outcome: Outcome,
    /// SEK with two decimals, as a string: granted for the period (an
    /// assistance decision), claimed (recovery) or let go (write-off);
    /// `0.00` when nothing is granted.
    #[schema(value_type = String, example = "8450.00")]
    pub amount: Decimal,
    pub period: Period,
    /// The application's support month (assistance decisions).
    #[schema(example = "2026-12")]
    pub support_month: Option<String>,
    /// The application decided (assistance decisions).
    pub application_id: Option<Uuid>,
    /// The person the decision is about.
    pub applicant_id: Uuid,
    /// The provisions it rests on (empty only on decisions recorded before
    /// legal bases were).
    pub legal_basis: Vec<LegalReference>,
    /// The reasons (FL 32 §).
    pub reasons: Option<String>,
    /// The persons covered, by member key (`null` only on decisions
    /// recorded before this was).
    pub persons_covered: Option<Vec<String>>,
    /// The caseworker's assessment of each adult covered.
    pub adults: Vec<AdultAssessment>,
    /// `null` only on decisions recorded before decision-makers were.
    pub decision_maker: Option<DecisionMaker>,
    pub appeal: AppealNotice,
    /// Set when this decision replaced an earlier one.
    pub replaces: Option<Replacement>,
    /// The decision that replaced this one; `null` while it is in force.
    pub replaced_by: Option<Uuid>,
    /// The norm calculation used (assistance decisions that grant money).
    pub norm: Option<NormStamp>,
    /// A recovery: the assistance decisions whose money it claims back. A
    /// write-off: the recovery it concerns. Empty for assistance.
    pub concerns: Vec<Uuid>,
    /// A recovery: what is left of the claim after write-offs, SEK.
    #[schema(value_type = Option<String>, example = "2500.00")]
    pub outstanding: Option<Decimal>,
    /// The caller that recorded it (a client id for the case system).
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

impl Decision {
    /// The document from its rows; `replaced_by` names the decision that
    /// replaced it, if any.
    pub fn new(
        row: &DecisionRow,
        adults: &[AdultRow],
        replaced_by: Option<String>,
        outstanding_ore: Option<i64>,
    ) -> Result<Self, AppError> {
        let kind = stored("decisions.kind", DecisionKind::parse(&row.kind))?;
        let codes: Vec<String> = stored(
            "decisions.legal_basis",
            serde_json::from_str(&row.legal_basis),
        )?;
        let codes = codes
            .iter()
            .map(|c| stored("decisions.legal_basis", LegalBasisCode::parse(c)))
            .collect::<Result<Vec<_>, AppError>>()?;
        let legal_basis = codes
            .iter()
            .map(|&code| LegalReference {
                code,
                citation: legal::entry(code).citation.to_owned(),
            })
            .collect();
        let persons_covered = row
            .persons_covered
            .as_deref()
            .map(|text| stored("decisions.persons_covered", serde_json::from_str(text)))
            .transpose()?;
        let adults = adults
            .iter()
            .map(|a| {
                Ok(AdultAssessment {
                    member: a.member.clone(),
                    applicant_id: stored_uuid("decision_adults.applicant_id", &a.applicant_id)?,
                    work_capacity_percent: a.work_capacity_percent,
                    support_obstacle: a
                        .support_obstacle
                        .as_deref()
                        .map(|o| {
                            stored(
                                "decision_adults.support_obstacle",
                                SupportObstacle::parse(o),
                            )
                        })
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let decision_maker = match (
            &row.decision_maker_id,
            &row.decision_maker_name,
            &row.decision_maker_title,
            &row.delegation,
        ) {
            (Some(user_id), Some(name), Some(title), Some(delegation)) => Some(DecisionMaker {
                user_id: user_id.clone(),
                name: name.clone(),
                title: title.clone(),
                delegation: delegation.clone(),
            }),
            (None, None, None, None) => None,
            _ => return Err(crate::db::unreadable("decisions.decision_maker_*")),
        };
        let replaces = match (
            &row.replaces,
            &row.replacement_ground,
            &row.replacement_reason,
        ) {
            (Some(id), Some(ground), Some(reason)) => Some(Replacement {
                decision_id: stored_uuid("decisions.replaces", id)?,
                ground: stored(
                    "decisions.replacement_ground",
                    ReplacementGround::parse(ground),
                )?,
                reason: reason.clone(),
            }),
            (None, None, None) => None,
            _ => return Err(crate::db::unreadable("decisions.replace*")),
        };
        let norm = match (row.norm_year, row.norm_revision, row.calculated_ore) {
            (Some(norm_year), Some(norm_revision), Some(calculated)) => Some(NormStamp {
                norm_year,
                norm_revision,
                calculated_amount: from_ore(calculated),
                deviation_reason: row.deviation_reason.clone(),
            }),
            (None, None, None) => None,
            _ => return Err(crate::db::unreadable("decisions.norm_*")),
        };
        Ok(Self {
            id: stored_uuid("decisions.id", &row.id)?,
            municipality: row.municipality.clone(),
            kind,
            outcome: stored("decisions.outcome", Outcome::parse(&row.outcome))?,
            amount: from_ore(row.amount_ore),
            period: Period {
                from: row.period_from,
                to: row.period_to,
            },
            support_month: row.support_month.clone(),
            application_id: row
                .application_id
                .as_deref()
                .map(|id| stored_uuid("decisions.application_id", id))
                .transpose()?,
            applicant_id: stored_uuid("decisions.applicant_id", &row.applicant_id)?,
            legal_basis,
            reasons: row.reasons.clone(),
            persons_covered,
            adults,
            decision_maker,
            // A decision recorded before legal bases were has none stored:
            // it was an assistance decision under the right to assistance
            // (4 kap. 1 § or 12 kap. 1 §), which is appealable.
            appeal: decision::appeal_notice(
                kind,
                legal::appealable(&codes) || (codes.is_empty() && kind == DecisionKind::Assistance),
            )
            .into(),
            replaces,
            replaced_by: replaced_by
                .as_deref()
                .map(|id| stored_uuid("decisions.id", id))
                .transpose()?,
            norm,
            concerns: match &row.concerns {
                None => Vec::new(),
                Some(text) => {
                    stored::<Vec<String>, _>("decisions.concerns", serde_json::from_str(text))?
                        .iter()
                        .map(|id| stored_uuid("decisions.concerns", id))
                        .collect::<Result<_, _>>()?
                }
            },
            outstanding: outstanding_ore.map(from_ore),
            decided_by: row.decided_by.clone(),
            decided_at: row.decided_at.and_utc(),
        })
    }
}

/// The decision as the portal shows it to the citizen: the outcome, the
/// amount and period, the provisions, the reasons for anything but a full
/// grant, who decided and how to appeal; never the caseworker's assessment
/// of a person or anyone's figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionNotice {
    pub outcome: Outcome,
    /// SEK granted for the period, with two decimals; `0.00` when nothing
    /// is granted.
    #[schema(value_type = String, example = "8450.00")]
    pub amount: Decimal,
    pub period: Period,
    #[schema(example = "2026-10")]
    pub support_month: Option<String>,
    pub legal_basis: Vec<LegalReference>,
    /// The reasons, for anything but a full grant.
    pub reasons: Option<String>,
    /// The decision-maker's name and title.
    pub decided_by_name: Option<String>,
    pub decided_by_title: Option<String>,
    pub appeal: AppealNotice,
    pub decided_at: DateTime<Utc>,
}

impl From<&Decision> for DecisionNotice {
    fn from(d: &Decision) -> Self {
        Self {
            outcome: d.outcome,
            amount: d.amount,
            period: d.period.clone(),
            support_month: d.support_month.clone(),
            legal_basis: d.legal_basis.clone(),
            reasons: (d.outcome != Outcome::Granted)
                .then(|| d.reasons.clone())
                .flatten(),
            decided_by_name: d.decision_maker.as_ref().map(|m| m.name.clone()),
            decided_by_title: d.decision_maker.as_ref().map(|m| m.title.clone()),
            appeal: d.appeal.clone(),
            decided_at: d.decided_at,
        }
    }
}
