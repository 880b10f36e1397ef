//! What a coach sends to add or change an intervention, and the checks of
//! BR-9 that name every bad field.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use crate::api::applicants::model::required;
use crate::api::formats::Sek;
use crate::api::params::strict_uuid;
use crate::api::referrals::view::Intervention;
use crate::db::programmes::InterventionRow;
use crate::domain::applicant::Checker;
use crate::domain::money::parse_sek;
use crate::domain::referral::{EmploymentSubtype, InterventionKind, Placement};
use crate::domain::time;
use crate::error::AppError;

/// AF's assessment to record on a subsidised employment.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AfAssessmentBody {
    /// The day AF assessed it.
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub assessed_on: Option<String>,
    /// Whether AF judged that the person qualifies.
    #[schema(value_type = bool, required = true)]
    pub qualifies: Option<bool>,
}

/// An intervention to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "subsidised_employment", "subtype": "introduktionsjobb", "placement": "private_sector",
    "extent_percent": 100, "start_date": "2026-12-01", "end_date": "2027-05-31",
    "monthly_cost": "24000.00", "monthly_subsidy": "19200.00",
    "af_assessment": { "assessed_on": "2026-11-24", "qualifies": true }
}))]
pub struct InterventionBody {
    #[schema(value_type = InterventionKind, required = true)]
    pub kind: Option<String>,
    /// Required for `subsidised_employment`, and only for it.
    #[schema(value_type = Option<EmploymentSubtype>)]
    pub subtype: Option<String>,
    #[schema(value_type = Placement, required = true)]
    pub placement: Option<String>,
    /// Extent in percent of full time, 1–100.
    #[schema(value_type = i32, minimum = 1, maximum = 100, required = true)]
    #[serde(default, deserialize_with = "crate::api::json::optional_integer")]
    pub extent_percent: Option<i32>,
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub start_date: Option<String>,
    /// Not before `start_date`.
    #[schema(value_type = Option<NaiveDate>, max_length = 10)]
    pub end_date: Option<String>,
    /// SEK per month.
    #[schema(value_type = Option<Sek>)]
    pub monthly_cost: Option<String>,
    /// SEK per month the subsidy covers; not above `monthly_cost`.
    #[schema(value_type = Option<Sek>)]
    pub monthly_subsidy: Option<String>,
    /// AF's assessment: required, saying the person qualifies, for an
    /// `extratjanst`, `introduktionsjobb` or `nystartsjobb` (BR-9).
    pub af_assessment: Option<AfAssessmentBody>,
    /// A programme to place the person on: its kind must be the
    /// intervention's, and it must have a free place (409 otherwise).
    #[schema(value_type = Option<Uuid>, max_length = 36)]
    pub programme_id: Option<String>,
}

/// Changes to an intervention as a JSON merge patch (RFC 7396): a field
/// left out stays; `null` clears an optional one. Its kind, subtype,
/// programme and start are not changed: end it and add another.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "end_date": "2027-02-28", "extent_percent": 75 }))]
pub struct InterventionPatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Placement, required = false)]
    pub placement: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = i32, minimum = 1, maximum = 100, required = false)]
    pub extent_percent: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<NaiveDate>, max_length = 10, required = false)]
    pub end_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Sek>, required = false)]
    pub monthly_cost: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Sek>, required = false)]
    pub monthly_subsidy: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<AfAssessmentBody>, required = false)]
    pub af_assessment: Option<Option<AfAssessmentBody>>,
}

fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An intervention as checked field by field; the rules between fields
/// are checked by [`Draft::rules`].
#[derive(Debug, Clone)]
pub(super) struct Draft {
    pub(super) kind: InterventionKind,
    pub(super) subtype: Option<EmploymentSubtype>,
    pub(super) placement: Placement,
    pub(super) extent_percent: i32,
    pub(super) start_date: NaiveDate,
    pub(super) end_date: Option<NaiveDate>,
    pub(super) monthly_cost: Option<Decimal>,
    pub(super) monthly_subsidy: Option<Decimal>,
    pub(super) af_assessment: Option<(NaiveDate, bool)>,
    pub(super) programme_id: Option<String>,
}

fn day(text: &str) -> Result<NaiveDate, String> {
    time::parse_date(text).ok_or_else(|| "must be a date, YYYY-MM-DD".into())
}

fn extent(value: i32) -> Result<i32, String> {
    if (1..=100).contains(&value) {
        Ok(value)
    } else {
        Err("must be between 1 and 100".into())
    }
}

fn assessment(
    c: &mut Checker,
    a: &AfAssessmentBody,
    today: NaiveDate,
) -> Option<(NaiveDate, bool)> {
    let on = c.check(
        "af_assessment.assessed_on",
        required(&a.assessed_on).and_then(day).and_then(|d| {
            if d > today {
                Err("must not be in the future".into())
            } else {
                Ok(d)
            }
        }),
    );
    let qualifies = c.check(
        "af_assessment.qualifies",
        a.qualifies.ok_or_else(|| "is required".to_owned()),
    );
    Some((on?, qualifies?))
}

impl Draft {
    /// The rules between fields, each naming its field.
    fn rules(&self, c: &mut Checker) {
        match (self.kind, self.subtype) {
            (InterventionKind::SubsidisedEmployment, None) => {
                c.check::<()>(
                    "subtype",
                    Err("is required for subsidised_employment".into()),
                );
            }
            (InterventionKind::SubsidisedEmployment, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                c.check::<()>("subtype", Err("is only for subsidised_employment".into()));
            }
        }
        if let Some(end) = self.end_date
            && end < self.start_date
        {
            c.check::<()>("end_date", Err("must not be before start_date".into()));
        }
        if let Some(subsidy) = self.monthly_subsidy
            && self.monthly_cost.is_none_or(|cost| subsidy > cost)
        {
            c.check::<()>(
                "monthly_subsidy",
                Err("must not be above monthly_cost (which it needs)".into()),
            );
        }
    }

    /// BR-9: a subsidised employment AF pays for needs AF's assessment that
    /// the person qualifies.
    pub(super) fn needs_af(&self) -> Result<(), AppError> {
        let paid_by_af = self.subtype.is_some_and(EmploymentSubtype::paid_by_af);
        if paid_by_af && !matches!(self.af_assessment, Some((_, true))) {
            Err(AppError::AfAssessmentRequired)
        } else {
            Ok(())
        }
    }
}

pub(super) fn new_draft(body: &InterventionBody, today: NaiveDate) -> Result<Draft, AppError> {
    let mut c = Checker::default();
    let kind = c.check(
        "kind",
        required(&body.kind).and_then(InterventionKind::parse),
    );
    let subtype = match &body.subtype {
        Some(s) => c.check("subtype", EmploymentSubtype::parse(s)).map(Some),
        None => Some(None),
    };
    let placement = c.check(
        "placement",
        required(&body.placement).and_then(Placement::parse),
    );
    let extent_percent = c.check(
        "extent_percent",
        body.extent_percent
            .ok_or_else(|| "is required".to_owned())
            .and_then(extent),
    );
    let start_date = c.check("start_date", required(&body.start_date).and_then(day));
    let end_date = match &body.end_date {
        Some(d) => c.check("end_date", day(d)).map(Some),
        None => Some(None),
    };
    let sek = |c: &mut Checker, field: &str, v: &Option<String>| match v {
        Some(text) => c.check(field, parse_sek(text, false)).map(Some),
        None => Some(None),
    };
    let monthly_cost = sek(&mut c, "monthly_cost", &body.monthly_cost);
    let monthly_subsidy = sek(&mut c, "monthly_subsidy", &body.monthly_subsidy);
    let af_assessment = match &body.af_assessment {
        Some(a) => assessment(&mut c, a, today).map(Some),
        None => Some(None),
    };
    let programme_id = match &body.programme_id {
        Some(p) => c
            .check(
                "programme_id",
                strict_uuid(p)
                    .map(|u| u.to_string())
                    .ok_or_else(|| "must be a UUID".to_owned()),
            )
            .map(Some),
        None => Some(None),
    };
    let draft = (|| {
        Some(Draft {
            kind: kind?,
            subtype: subtype?,
            placement: placement?,
            extent_percent: extent_percent?,
            start_date: start_date?,
            end_date: end_date?,
            monthly_cost: monthly_cost?,
            monthly_subsidy: monthly_subsidy?,
            af_assessment: af_assessment?,
            programme_id: programme_id?,
        })
    })();
    if let Some(d) = &draft {
        d.rules(&mut c);
    }
    c.finish().map_err(AppError::Validation)?;
    draft.ok_or_else(|| AppError::internal("validated field missing"))
}

/// The intervention `row` with `patch` applied, checked as a whole.
pub(super) fn patched(
    row: &InterventionRow,
    patch: &InterventionPatch,
    today: NaiveDate,
) -> Result<Draft, AppError> {
    let stored = Intervention::try_from(row.clone())?;
    let mut c = Checker::default();
    let mut draft = Draft {
        kind: stored.kind,
        subtype: stored.subtype,
        placement: stored.placement,
        extent_percent: stored.extent_percent,
        start_date: stored.start_date,
        end_date: stored.end_date,
        monthly_cost: stored.monthly_cost,
        monthly_subsidy: stored.monthly_subsidy,
        af_assessment: stored.af_assessment.map(|a| (a.assessed_on, a.qualifies)),
        programme_id: None,
    };
    match &patch.placement {
        None => {}
        Some(None) => {
            c.check::<()>("placement", Err("cannot be removed".into()));
        }
        Some(Some(p)) => {
            if let Some(p) = c.check("placement", Placement::parse(p)) {
                draft.placement = p;
            }
        }
    }
    match &patch.extent_percent {
        None => {}
        Some(value) => {
            let parsed = value
                .as_ref()
                .and_then(serde_json::Value::as_i64)
                .and_then(|v| i32::try_from(v).ok())
                .ok_or_else(|| "must be a whole number between 1 and 100".to_owned())
                .and_then(extent);
            if let Some(v) = c.check("extent_percent", parsed) {
                draft.extent_percent = v;
            }
        }
    }
    if let Some(end) = &patch.end_date {
        match end {
            None => draft.end_date = None,
            Some(text) => {
                if let Some(d) = c.check("end_date", day(text)) {
                    draft.end_date = Some(d);
                }
            }
        }
    }
    for (field, value, target) in [
        ("monthly_cost", &patch.monthly_cost, &mut draft.monthly_cost),
        (
            "monthly_subsidy",
            &patch.monthly_subsidy,
            &mut draft.monthly_subsidy,
        ),
    ] {
        match value {
            None => {}
            Some(None) => *target = None,
            Some(Some(text)) => {
                if let Some(v) = c.check(field, parse_sek(text, false)) {
                    *target = Some(v);
                }
            }
        }
    }
    match &patch.af_assessment {
        None => {}
        Some(None) => draft.af_assessment = None,
        Some(Some(a)) => {
            if let Some(a) = assessment(&mut c, a, today) {
                draft.af_assessment = Some(a);
            }
        }
    }
    draft.rules(&mut c);
    c.finish().map_err(AppError::Validation)?;
    Ok(draft)
}
