//! What a caller sends to refer a person and to move a referral, and the
//! checks that name every bad field.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::applicants::model::required;
use crate::api::formats::{LanguageCode, Line, Note, Reasons};
use crate::api::params::strict_uuid;
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::referral::{AfAnswer, CloseOutcome, EducationLevel, Source};
use crate::domain::time;
use crate::error::AppError;

/// A referral to send to Viadidakt.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "applicant_id": "019a2b3c-0000-7000-8000-000000000001",
    "application_id": "019a2b3c-0000-7000-8000-00000000000a",
    "af_consulted": false,
    "note": "Har arbetat inom lokalvård; vill pröva vård och omsorg."
}))]
pub struct ReferralBody {
    /// The person referred, registered in the municipality.
    #[schema(value_type = uuid::Uuid, required = true, max_length = 36)]
    pub applicant_id: Option<String>,
    /// The person's application it is made from (social services only).
    #[schema(value_type = Option<uuid::Uuid>, max_length = 36)]
    pub application_id: Option<String>,
    /// Optional: the caller's side, which the token already says
    /// (`social_services` for caseworkers and the case system,
    /// `employment_service` for AF); another value is a 422.
    #[schema(value_type = Option<Source>)]
    pub source: Option<String>,
    /// Whether AF was consulted: required `true` from social services when
    /// the person has an active AF plan (BR-6). Default `false`.
    #[serde(default)]
    pub af_consulted: Option<bool>,
    #[schema(value_type = Option<Note>)]
    pub note: Option<String>,
}

/// A referral whose every field has passed the rules.
pub struct NewReferral {
    pub applicant_id: String,
    pub application_id: Option<String>,
    pub af_consulted: bool,
    pub note: Option<String>,
}

fn uuid_field(c: &mut Checker, field: &str, value: &str) -> Option<String> {
    c.check(
        field,
        strict_uuid(value)
            .map(|u| u.to_string())
            .ok_or_else(|| "must be a UUID such as 019a2b3c-4d5e-7f00-8a1b-2c3d4e5f6a7b".into()),
    )
}

/// Checks a referral from `side`, naming every bad field.
pub fn new_referral(body: &ReferralBody, side: Source) -> Result<NewReferral, AppError> {
    let mut c = Checker::default();
    let applicant_id = match required(&body.applicant_id) {
        Ok(id) => uuid_field(&mut c, "applicant_id", id),
        Err(e) => c.check("applicant_id", Err(e)),
    };
    let application_id = match &body.application_id {
        Some(_) if side == Source::EmploymentService => c.check(
            "application_id",
            Err("AF's referrals are not linked to social services' applications".into()),
        ),
        Some(id) => uuid_field(&mut c, "application_id", id).map(Some),
        None => Some(None),
    };
    if let Some(source) = &body.source {
        c.check(
            "source",
            Source::parse(source).and_then(|s| {
                if s == side {
                    Ok(())
                } else {
                    Err(format!("must be {}: the caller's side", side.as_str()))
                }
            }),
        );
    }
    let note = body
        .note
        .as_deref()
        .map(|n| c.check("note", rules::note(n, 2000)));
    c.finish().map_err(AppError::Validation)?;
    let missing = || AppError::internal("validated field missing");
    Ok(NewReferral {
        applicant_id: applicant_id.ok_or_else(missing)?,
        application_id: application_id.ok_or_else(missing)?,
        af_consulted: body.af_consulted.unwrap_or(false),
        note: note.map(|n| n.ok_or_else(missing)).transpose()?,
    })
}

/// Accepting a referral.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "coach": "coach-anna" }))]
pub struct AcceptBody {
    /// The coach to assign (their `sub`); the caller when left out.
    #[schema(value_type = Option<Line>)]
    pub coach: Option<String>,
}

/// The coach an acceptance assigns, the caller's `sub` by default.
pub fn assigned_coach(body: &AcceptBody, caller: &str) -> Result<String, AppError> {
    let mut c = Checker::default();
    let coach = match &body.coach {
        Some(coach) => c.check("coach", rules::line(coach, 200)),
        None => Some(caller.to_owned()),
    };
    c.finish().map_err(AppError::Validation)?;
    coach.ok_or_else(|| AppError::internal("validated field missing"))
}

/// Declining a referral.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "reason": "Personen har redan en planering hos Arbetsförmedlingen." }))]
pub struct DeclineBody {
    /// Why Viadidakt declines it (required, BR-7).
    #[schema(value_type = Reasons, required = true)]
    pub reason: Option<String>,
}

/// The reason of a decline.
pub fn decline_reason(body: &DeclineBody) -> Result<String, AppError> {
    let mut c = Checker::default();
    let reason = c.check(
        "reason",
        required(&body.reason).and_then(|r| rules::note(r, 2000)),
    );
    c.finish().map_err(AppError::Validation)?;
    reason.ok_or_else(|| AppError::internal("validated field missing"))
}

/// The coach's mapping at the first meeting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingBody {
    #[schema(value_type = EducationLevel, required = true)]
    pub education_level: Option<String>,
    /// Work experience, as the person told it.
    #[schema(value_type = Note, required = true)]
    pub work_experience: Option<String>,
    /// Limits of health, in the person's own words.
    #[schema(value_type = Option<Note>)]
    pub health_limits: Option<String>,
    /// The languages the person speaks, 1–20 ISO 639 codes.
    #[schema(value_type = Vec<LanguageCode>, required = true, min_items = 1, max_items = 20)]
    pub languages: Option<Vec<String>>,
    #[schema(value_type = bool, required = true)]
    pub driving_licence: Option<bool>,
    /// What AF answered when the coach asked.
    #[schema(value_type = AfAnswer, required = true)]
    pub af_answer: Option<String>,
    /// Required when AF answered `not_registered`: whether the person was
    /// guided to register; not sent otherwise.
    pub af_registration_guidance: Option<bool>,
}

/// Booking the first meeting, or recording it held.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "held_at": "2026-11-24T09:00:00Z",
    "mapping": {
        "education_level": "upper_secondary",
        "work_experience": "Lokalvård 2019–2023, deltid.",
        "health_limits": "Ont i ryggen vid tunga lyft.",
        "languages": ["sv", "ar"],
        "driving_licence": false,
        "af_answer": "no_plan"
    }
}))]
pub struct FirstMeetingBody {
    /// Books the meeting for this time (RFC 3339). Send this or `held_at`.
    #[schema(value_type = Option<DateTime<Utc>>, max_length = 35)]
    pub scheduled_at: Option<String>,
    /// Records the meeting held at this time (RFC 3339), not in the future,
    /// with its `mapping`. Send this or `scheduled_at`.
    #[schema(value_type = Option<DateTime<Utc>>, max_length = 35)]
    pub held_at: Option<String>,
    /// Required with `held_at`; not sent with `scheduled_at`.
    pub mapping: Option<MappingBody>,
}

/// A first meeting to record.
pub enum NewFirstMeeting {
    Book(DateTime<Utc>),
    Held(DateTime<Utc>, NewMapping),
}

/// A mapping whose every field has passed the rules.
pub struct NewMapping {
    pub education_level: EducationLevel,
    pub work_experience: String,
    pub health_limits: Option<String>,
    pub languages: Vec<String>,
    pub driving_licence: bool,
    pub af_answer: AfAnswer,
    pub af_registration_guidance: Option<bool>,
}

fn instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| time::truncate(t.with_timezone(&Utc)))
        .map_err(|_| "must be a time in RFC 3339, such as 2026-11-24T09:00:00Z".to_owned())
}

/// Checks a first meeting against the referral's date and now, naming every
/// bad field: exactly one of `scheduled_at` and `held_at`; neither before the
/// day of the referral; a held meeting not in the future and with its
/// mapping.
pub fn new_first_meeting(
    body: &FirstMeetingBody,
    referred_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<NewFirstMeeting, AppError> {
    let mut c = Checker::default();
    let not_before_referral = |t: DateTime<Utc>| {
        if time::today_in_sweden(t) < referred_on {
            Err(format!("must not be before the referral ({referred_on})"))
        } else {
            Ok(t)
        }
    };
    let meeting = match (&body.scheduled_at, &body.held_at) {
        (Some(_), Some(_)) | (None, None) => {
            let reason = "send either scheduled_at (to book) or held_at (held)";
            c.check::<()>("scheduled_at", Err(reason.into()));
            c.check::<()>("held_at", Err(reason.into()));
            None
        }
        (Some(at), None) => {
            let at = c.check("scheduled_at", instant(at).and_then(not_before_referral));
            if body.mapping.is_some() {
                c.check::<()>(
                    "mapping",
                    Err("is recorded when the meeting is held, with held_at".into()),
                );
            }
            at.map(NewFirstMeeting::Book)
        }
        (None, Some(at)) => {
            let at = c.check(
                "held_at",
                instant(at).and_then(not_before_referral).and_then(|t| {
                    if t > now + chrono::Duration::minutes(5) {
                        Err("must not be in the future".to_owned())
                    } else {
                        Ok(t)
                    }
                }),
            );
            let mapping = match &body.mapping {
                Some(m) => mapping(&mut c, m),
                None => c.check("mapping", Err("is required with held_at".into())),
            };
            match (at, mapping) {
                (Some(at), Some(mapping)) => Some(NewFirstMeeting::Held(at, mapping)),
                _ => None,
            }
        }
    };
    c.finish().map_err(AppError::Validation)?;
    meeting.ok_or_else(|| AppError::internal("validated field missing"))
}

fn mapping(c: &mut Checker, m: &MappingBody) -> Option<NewMapping> {
    let education_level = c.check(
        "mapping.education_level",
        required(&m.education_level).and_then(EducationLevel::parse),
    );
    let work_experience = c.check(
        "mapping.work_experience",
        required(&m.work_experience).and_then(|w| rules::note(w, 2000)),
    );
    let health_limits = match &m.health_limits {
        Some(h) => c
            .check("mapping.health_limits", rules::note(h, 2000))
            .map(Some),
        None => Some(None),
    };
    let languages = match &m.languages {
        None => c.check("mapping.languages", Err("is required".into())),
        Some(list) if list.is_empty() || list.len() > 20 => c.check(
            "mapping.languages",
            Err("must name 1 to 20 languages".into()),
        ),
        Some(list) => {
            let mut codes = Vec::new();
            let mut good = true;
            for (i, code) in list.iter().enumerate() {
                let ok =
                    (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase());
                if !ok {
                    good = false;
                    c.check::<()>(
                        &format!("mapping.languages[{i}]"),
                        Err("must be an ISO 639 code in lower case, such as sv".into()),
                    );
                } else if !codes.contains(code) {
                    codes.push(code.clone());
                }
            }
            good.then_some(codes)
        }
    };
    let driving_licence = c.check(
        "mapping.driving_licence",
        m.driving_licence.ok_or_else(|| "is required".to_owned()),
    );
    let af_answer = c.check(
        "mapping.af_answer",
        required(&m.af_answer).and_then(AfAnswer::parse),
    );
    let guidance = match (af_answer, m.af_registration_guidance) {
        (Some(AfAnswer::NotRegistered), None) => c.check(
            "mapping.af_registration_guidance",
            Err("is required when the person is not registered at AF".into()),
        ),
        (Some(AfAnswer::NotRegistered), Some(g)) => Some(Some(g)),
        (Some(_), Some(_)) => c.check(
            "mapping.af_registration_guidance",
            Err("is only for a person not registered at AF".into()),
        ),
        (_, _) => Some(None),
    };
    Some(NewMapping {
        education_level: education_level?,
        work_experience: work_experience?,
        health_limits: health_limits?,
        languages: languages?,
        driving_licence: driving_licence?,
        af_answer: af_answer?,
        af_registration_guidance: guidance?,
    })
}

/// Closing a referral (BR-8).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "outcome": "work_subsidised", "closed_on": "2026-11-25" }))]
pub struct CloseBody {
    #[schema(value_type = CloseOutcome, required = true)]
    pub outcome: Option<String>,
    /// The day it ended: not before the referral, not in the future.
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub closed_on: Option<String>,
}

/// Checks a closing against the referral's date and today.
pub fn closing(
    body: &CloseBody,
    referred_on: NaiveDate,
    today: NaiveDate,
) -> Result<(CloseOutcome, NaiveDate), AppError> {
    let mut c = Checker::default();
    let outcome = c.check(
        "outcome",
        required(&body.outcome).and_then(CloseOutcome::parse),
    );
    let closed_on = c.check(
        "closed_on",
        required(&body.closed_on).and_then(|d| {
            let day = time::parse_date(d).ok_or("must be a date, YYYY-MM-DD")?;
            if day > today {
                Err("must not be in the future".to_owned())
            } else if day < referred_on {
                Err(format!("must not be before the referral ({referred_on})"))
            } else {
                Ok(day)
            }
        }),
    );
    c.finish().map_err(AppError::Validation)?;
    match (outcome, closed_on) {
        (Some(o), Some(d)) => Ok((o, d)),
        _ => Err(AppError::internal("validated field missing")),
    }
}
