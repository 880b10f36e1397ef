//! What a caller sends to create or change a programme, what it gets
//! back, and the checks that name every bad field.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::applicants::model::required;
use crate::api::formats::Line;
use crate::api::referrals::view::Intervention;
use crate::db::programmes::ProgrammeRow;
use crate::db::{stored, stored_uuid};
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::referral::InterventionKind;
use crate::domain::time;
use crate::error::AppError;

/// A programme to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Lokalvårdsutbildning", "kind": "vocational_training",
    "start_date": "2019-04-01", "end_date": "2019-07-14", "places": 20
}))]
pub struct ProgrammeBody {
    #[schema(value_type = Line, required = true)]
    pub name: Option<String>,
    /// The kind of intervention a place on it is (BR-9).
    #[schema(value_type = InterventionKind, required = true)]
    pub kind: Option<String>,
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub start_date: Option<String>,
    /// Not before `start_date`; none for a programme that runs on.
    #[schema(value_type = Option<NaiveDate>, max_length = 10)]
    pub end_date: Option<String>,
    /// How many persons it takes, 1–10000; none when it has no set number.
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 10000)]
    #[serde(default, deserialize_with = "crate::api::json::optional_integer")]
    pub places: Option<i32>,
    /// How many new participants it takes a week, 1–1000, where it has a
    /// continuous intake.
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 1000)]
    #[serde(default, deserialize_with = "crate::api::json::optional_integer")]
    pub weekly_intake: Option<i32>,
}

/// Changes to a programme as a JSON merge patch (RFC 7396). Its kind and
/// start are not changed.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "places": 24 }))]
pub struct ProgrammePatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Line, required = false)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<NaiveDate>, max_length = 10, required = false)]
    pub end_date: Option<Option<String>>,
    /// Not fewer than the places already taken.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 10000, required = false)]
    pub places: Option<Option<serde_json::Value>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 1000, required = false)]
    pub weekly_intake: Option<Option<serde_json::Value>>,
}

fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct Programme {
    pub id: Uuid,
    /// SCB municipality code.
    #[schema(example = "0483")]
    pub municipality: String,
    pub name: String,
    pub kind: InterventionKind,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// How many persons it takes; `null` when it has no set number.
    pub places: Option<i32>,
    /// Places taken by interventions.
    pub places_taken: i32,
    pub weekly_intake: Option<i32>,
    /// Increases with every change; the `ETag` is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<ProgrammeRow> for Programme {
    type Error = AppError;

    fn try_from(row: ProgrammeRow) -> Result<Self, AppError> {
        Ok(Self {
            id: stored_uuid("programmes.id", &row.id)?,
            kind: stored("programmes.kind", InterventionKind::parse(&row.kind))?,
            municipality: row.municipality,
            name: row.name,
            start_date: row.start_date,
            end_date: row.end_date,
            places: row.places,
            places_taken: row.booked,
            weekly_intake: row.weekly_intake,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// One page of programmes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammePage {
    pub items: Vec<Programme>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The persons placed on a programme whom the coach sees.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantList {
    /// The interventions placing them, oldest first, each naming its referral.
    pub items: Vec<Participant>,
}

/// One person placed on a programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct Participant {
    pub applicant_id: Uuid,
    pub intervention: Intervention,
}

fn count(c: &mut Checker, field: &str, value: i32, max: i32) -> Option<i32> {
    c.check(
        field,
        if (1..=max).contains(&value) {
            Ok(value)
        } else {
            Err(format!("must be between 1 and {max}"))
        },
    )
}

fn date(text: &str) -> Result<NaiveDate, String> {
    time::parse_date(text).ok_or_else(|| "must be a date, YYYY-MM-DD".into())
}

/// A programme whose every field has passed the rules.
pub(super) struct NewProgramme {
    pub(super) name: String,
    pub(super) kind: InterventionKind,
    pub(super) start_date: NaiveDate,
    pub(super) end_date: Option<NaiveDate>,
    pub(super) places: Option<i32>,
    pub(super) weekly_intake: Option<i32>,
}

pub(super) fn new_programme(body: &ProgrammeBody) -> Result<NewProgramme, AppError> {
    let mut c = Checker::default();
    let name = c.check(
        "name",
        required(&body.name).and_then(|n| rules::line(n, 200)),
    );
    let kind = c.check(
        "kind",
        required(&body.kind).and_then(InterventionKind::parse),
    );
    let start_date = c.check("start_date", required(&body.start_date).and_then(date));
    let end_date = match &body.end_date {
        Some(d) => c
            .check(
                "end_date",
                date(d).and_then(|end| match start_date {
                    Some(start) if end < start => Err("must not be before start_date".into()),
                    _ => Ok(end),
                }),
            )
            .map(Some),
        None => Some(None),
    };
    let places = body.places.map(|p| count(&mut c, "places", p, 10_000));
    let weekly_intake = body
        .weekly_intake
        .map(|w| count(&mut c, "weekly_intake", w, 1000));
    c.finish().map_err(AppError::Validation)?;
    let missing = || AppError::internal("validated field missing");
    Ok(NewProgramme {
        name: name.ok_or_else(missing)?,
        kind: kind.ok_or_else(missing)?,
        start_date: start_date.ok_or_else(missing)?,
        end_date: end_date.ok_or_else(missing)?,
        places: places.map(|p| p.ok_or_else(missing)).transpose()?,
        weekly_intake: weekly_intake.map(|w| w.ok_or_else(missing)).transpose()?,
    })
}

/// Applies a patch, naming every bad field.
pub(super) fn apply(row: &mut ProgrammeRow, patch: &ProgrammePatch) -> Result<(), AppError> {
    let mut c = Checker::default();
    match &patch.name {
        None => {}
        Some(None) => {
            c.check::<()>("name", Err("cannot be removed".into()));
        }
        Some(Some(n)) => {
            if let Some(n) = c.check("name", rules::line(n, 200)) {
                row.name = n;
            }
        }
    }
    if let Some(end) = &patch.end_date {
        row.end_date = match end {
            None => None,
            Some(text) => c.check(
                "end_date",
                date(text).and_then(|e| {
                    if e < row.start_date {
                        Err("must not be before start_date".into())
                    } else {
                        Ok(e)
                    }
                }),
            ),
        };
    }
    let number = |c: &mut Checker, field: &str, v: &Option<serde_json::Value>, max: i32| match v {
        None => Some(None),
        Some(v) => match v.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(n) => count(c, field, n, max).map(Some),
            None => c.check(
                field,
                Err(format!("must be a whole number between 1 and {max}")),
            ),
        },
    };
    if let Some(places) = &patch.places
        && let Some(places) = number(&mut c, "places", places, 10_000)
    {
        match places {
            Some(p) if p < row.booked => {
                c.check::<()>(
                    "places",
                    Err(format!(
                        "must not be fewer than the {} places taken",
                        row.booked
                    )),
                );
            }
            _ => row.places = places,
        }
    }
    if let Some(intake) = &patch.weekly_intake
        && let Some(intake) = number(&mut c, "weekly_intake", intake, 1000)
    {
        row.weekly_intake = intake;
    }
    c.finish().map_err(AppError::Validation)
}
