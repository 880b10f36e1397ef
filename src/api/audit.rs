//! The audit log for auditors: its verification (`/api/v1/audit/verify`),
//! its records (`/api/v1/audit`, `/api/v1/audit/search`) and a month's
//! report (`/api/v1/audit/report`).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::applicants::model::required;
use super::context::Caller;
use super::formats::PersonalNumber as PersonalNumberText;
use super::json::JsonBody;
use super::params::{page_limit, strict_uuid};
use crate::auth::policy::Operation;
use crate::db::audit::{self, AuditRow, Filter};
use crate::db::{DbConn, applicants, consents, stored};
use crate::domain::audit::{Outcome as AuditOutcome, Verification};
use crate::domain::consent::Recipient;
use crate::domain::month::Month;
use crate::domain::{FieldError, PersonalNumber, time};
use crate::error::AppError;

/// Verify the audit log's hash chain.
///
/// Walks every record and names the first broken link: a changed record, a
/// missing one, or records cut off at the end; then holds the chain against
/// the signed checkpoints stored with it, naming a rewrite, renumbering or
/// cut behind one. Copies of checkpoints kept elsewhere are checked with
/// `bistand audit verify --checkpoint FILE`. The check is itself audited.
#[utoipa::path(
    get,
    path = "/api/v1/audit/verify",
    tag = "audit",
    operation_id = "verify_audit_log",
    responses(
        (status = 200, description = "The result of the walk", body = Verification),
    ),
    security(("bearer" = []))
)]
pub async fn get_verification(caller: Caller) -> Result<HttpResponse, AppError> {
    let op = Operation::VerifyAudit;
    caller.permit(op).await?;
    // The walk reads on the read pool, so writers go on meanwhile.
    let keys = caller.state.audit_keys.clone();
    let result: Verification = caller
        .read(move |conn| Ok(audit::verify(conn, &keys, &[])?))
        .await?;
    let record = caller.event(op.audit_action(), op.resource_type());
    caller.audit(vec![record]).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// Filters of the audit log, all optional; records are in sequence order.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The `cursor` of the last record already read; from the start when left out.
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub after: Option<String>,
    /// Records per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Only records by this actor (a token's `sub` or a client id).
    #[param(max_length = 255)]
    pub actor: Option<String>,
    /// Only records of this action, such as `applicant.read`.
    #[param(pattern = r"^[a-z_]{1,40}\.[a-z_]{1,40}$")]
    pub action: Option<String>,
    #[param(value_type = Option<AuditOutcome>)]
    pub outcome: Option<String>,
    /// Only records about this person (an applicant id). To find a person
    /// by personal number, use `POST /api/v1/audit/search`.
    #[param(format = Uuid)]
    pub person_id: Option<String>,
    /// Only this municipality of the token's (default: all of them).
    #[param(pattern = r"^[0-9]{4}$")]
    pub municipality: Option<String>,
    /// From this instant (RFC 3339), inclusive.
    #[param(value_type = Option<DateTime<Utc>>)]
    pub from: Option<String>,
    /// Before this instant (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub to: Option<String>,
}

/// One audit record, as the auditor reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditRecord {
    /// Resume after this record with `?after=` this value.
    #[schema(example = "1042")]
    pub cursor: String,
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    /// The token's `sub`, or the API client's id.
    pub actor: String,
    pub role: String,
    /// What was asked, such as `applicant.read`.
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub municipality: Option<String>,
    /// The applicant id of the person the record is about; never a
    /// personal number.
    pub person_id: Option<String>,
    /// The service's id of the request (`X-Request-Id`).
    pub request_id: String,
    /// The caller's own id of the request, when it sent one.
    pub correlation_id: Option<String>,
    pub outcome: AuditOutcome,
    /// The record's hash in the chain.
    pub hash: String,
}

impl TryFrom<AuditRow> for AuditRecord {
    type Error = AppError;

    fn try_from(row: AuditRow) -> Result<Self, AppError> {
        Ok(Self {
            cursor: row.seq.to_string(),
            seq: row.seq,
            occurred_at: row.occurred_at.and_utc(),
            outcome: stored("audit_log.outcome", AuditOutcome::parse(&row.outcome))?,
            actor: row.actor,
            role: row.role,
            action: row.action,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            municipality: row.municipality,
            person_id: row.person_id,
            request_id: row.request_id,
            correlation_id: row.correlation_id,
            hash: row.hash,
        })
    }
}

/// One page of audit records.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRecord>,
    /// Pass as `after` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A search of the audit log for one person, by personal number.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "personal_number": "19121212-1212" }))]
pub struct AuditSearchBody {
    /// The person's personal or coordination number; it never goes in a URL.
    #[schema(value_type = PersonalNumberText, required = true)]
    pub personal_number: Option<String>,
}

/// Gate 1 of the policy, and gate 2 for a municipality the query names: one
/// outside the token is a 404, as in a path. Refusals are audited.
async fn admit(caller: &Caller, op: Operation, municipality: Option<&str>) -> Result<(), AppError> {
    match municipality {
        Some(code) => caller.admit(op, code).await.map(drop),
        None => caller.permit(op).await,
    }
}

/// The filter a query asks for, checked: each bad parameter is named.
fn filter_of(caller: &Caller, query: &AuditQuery) -> Result<(Filter, i64, i64), AppError> {
    let mut errors = Vec::new();
    let mut check = |name: &str, result: Result<(), String>| {
        if let Err(reason) = result {
            errors.push(FieldError::new(name, reason));
        }
    };
    let own: Vec<String> = caller.principal.municipality_codes();
    let mut filter = Filter {
        municipalities: own.clone(),
        actor: query.actor.clone(),
        action: query.action.clone(),
        ..Filter::default()
    };
    if let Some(m) = &query.municipality {
        filter.municipalities = own.iter().filter(|o| *o == m).cloned().collect();
    }
    if let Some(actor) = &query.actor {
        check(
            "actor",
            (actor.chars().count() <= 255)
                .then_some(())
                .ok_or_else(|| "must be at most 255 characters".to_owned()),
        );
    }
    if let Some(action) = &query.action {
        let part = |p: &str| {
            (1..=40).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        };
        let well_formed = action
            .split_once('.')
            .is_some_and(|(a, b)| part(a) && part(b));
        check(
            "action",
            well_formed
                .then_some(())
                .ok_or_else(|| "must be an action such as applicant.read".to_owned()),
        );
    }
    if let Some(outcome) = &query.outcome {
        check("outcome", AuditOutcome::parse(outcome).map(drop));
        filter.outcome = Some(outcome.clone());
    }
    if let Some(person) = &query.person_id {
        match strict_uuid(person) {
            Some(id) => filter.persons = Some(vec![id.to_string()]),
            None => check("person_id", Err("must be a UUID".into())),
        }
    }
    let instant = |text: &Option<String>| {
        text.as_deref()
            .map(|t| {
                DateTime::parse_from_rfc3339(t)
                    .map(|t| t.naive_utc())
                    .map_err(|_| {
                        "must be a time in RFC 3339, such as 2026-11-01T00:00:00Z".to_owned()
                    })
            })
            .transpose()
    };
    match instant(&query.from) {
        Ok(from) => filter.from = from,
        Err(e) => check("from", Err(e)),
    }
    match instant(&query.to) {
        Ok(to) => filter.to = to,
        Err(e) => check("to", Err(e)),
    }
    let after = match &query.after {
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=18).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) => {
                n
            }
            _ => {
                check("after", Err("must be a cursor from an earlier page".into()));
                0
            }
        },
        None => 0,
    };
    if !errors.is_empty() {
        return Err(AppError::InvalidParameter(errors));
    }
    let limit = page_limit(query.limit, 100, 500)?;
    Ok((filter, after, limit))
}

/// Reads a page, and audits the reading: one record per request, about each
/// person the auditor asked for by name or id.
async fn read_page(
    caller: &Caller,
    op: Operation,
    filter: Filter,
    after: i64,
    limit: i64,
) -> Result<AuditPage, AppError> {
    let asked_about = filter.persons.clone().unwrap_or_default();
    let municipality = (filter.municipalities.len() == 1).then(|| filter.municipalities[0].clone());
    // Each person asked about is recorded in the municipality they belong
    // to, so that only that municipality's auditors read of the reading.
    let (rows, homes) = caller
        .read(move |conn| {
            let homes = applicants::homes(conn, &filter.municipalities, &asked_about)?;
            Ok((audit::search(conn, &filter, after, limit + 1)?, homes))
        })
        .await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<AuditRecord> = rows
        .into_iter()
        .take(limit as usize)
        .map(AuditRecord::try_from)
        .collect::<Result<_, _>>()?;
    let next_cursor = more
        .then(|| items.last().map(|r| r.cursor.clone()))
        .flatten();
    let mut records = Vec::new();
    let base = caller.event(op.audit_action(), op.resource_type());
    let base = match &municipality {
        Some(m) => base.municipality(m),
        None => base,
    };
    for (home, person) in &homes {
        records.push(base.clone().municipality(home).about(person, person));
    }
    if homes.is_empty() {
        records.push(base);
    }
    caller.audit(records).await?;
    Ok(AuditPage { items, next_cursor })
}

/// Read the audit log.
///
/// For auditors: records of the token's municipalities (and those of no
/// municipality, such as verifications), filtered by actor, action,
/// outcome, person, municipality and time, a page at a time in sequence
/// order. Reading is itself audited, about the person asked for.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    operation_id = "list_audit_records",
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of records", body = AuditPage),
    ),
    security(("bearer" = []))
)]
pub async fn list_audit_records(
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadAudit;
    admit(&caller, op, query.municipality.as_deref()).await?;
    let (filter, after, limit) = filter_of(&caller, &query)?;
    let page = read_page(&caller, op, filter, after, limit).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Search the audit log for one person.
///
/// The person is given by personal number in the body, never in a URL, and
/// found in the token's municipalities; the answer is the records about
/// them, with the same filters and paging as `GET /api/v1/audit`. A number
/// no one is registered with gives an empty page.
#[utoipa::path(
    post,
    path = "/api/v1/audit/search",
    tag = "audit",
    operation_id = "search_audit_records",
    params(AuditQuery),
    request_body(content = AuditSearchBody, content_type = "application/json"),
    responses(
        (status = 200, description = "One page of records about the person", body = AuditPage),
    ),
    security(("bearer" = []))
)]
pub async fn search_audit_records(
    caller: Caller,
    query: web::Query<AuditQuery>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadAudit;
    admit(&caller, op, query.municipality.as_deref()).await?;
    let (mut filter, after, limit) = filter_of(&caller, &query)?;
    let today = caller.today();
    let number = body.check(|b: &AuditSearchBody| {
        required(&b.personal_number)
            .and_then(|pn| PersonalNumber::parse(pn, today).map_err(|e| e.to_string()))
            .map_err(|reason| {
                AppError::Validation(vec![FieldError::new("personal_number", reason)])
            })
    })?;
    let municipalities = filter.municipalities.clone();
    let found = caller
        .read(move |conn| {
            Ok(applicants::ids_by_personal_number(
                conn,
                &municipalities,
                number.as_str(),
            )?)
        })
        .await?;
    let asked = filter.persons.take().unwrap_or_default();
    // With a person_id too, only that person if the number is theirs.
    let persons: Vec<String> = if asked.is_empty() {
        found
    } else {
        found.into_iter().filter(|f| asked.contains(f)).collect()
    };
    if persons.is_empty() {
        let record = caller
            .event(op.audit_action(), op.resource_type())
            .outcome(crate::domain::audit::Outcome::NotVisible);
        caller.audit(vec![record]).await?;
        return Ok(HttpResponse::Ok().json(AuditPage {
            items: Vec::new(),
            next_cursor: None,
        }));
    }
    filter.persons = Some(persons);
    let page = read_page(&caller, op, filter, after, limit).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The month to report on.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// A civil month in Sweden, `YYYY-MM`.
    #[param(value_type = String, pattern = r"^20[0-9]{2}-(0[1-9]|1[0-2])$", example = "2026-11")]
    pub month: Option<String>,
    /// Only this municipality of the token's (default: all of them).
    #[param(pattern = r"^[0-9]{4}$")]
    pub municipality: Option<String>,
}

/// Refused attempts in the month.
#[derive(Debug, Serialize, ToSchema)]
pub struct Refusals {
    /// The role lacked the operation (403).
    pub denied: i64,
    /// The object was not the caller's to see, or did not exist (404).
    pub not_visible: i64,
    /// A rule, a state, a stale version or a rate limit refused it.
    pub refused: i64,
    /// Who was refused most, most first (at most 20).
    pub by_actor: Vec<ActorCount>,
}

/// An actor and a number of records.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActorCount {
    pub actor: String,
    pub role: String,
    pub count: i64,
}

/// A read of a person by a coach or an AF officer, with what allowed it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabourMarketRead {
    pub record: AuditRecord,
    /// The person's consent to the reader's authority that was in force at
    /// the time of the read; `null` when none was, which needs looking into.
    pub consent_id: Option<String>,
}

/// An actor whose reads of persons stand out from others of its role.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActorVolume {
    pub actor: String,
    pub role: String,
    /// Reads of person-level data in the month.
    pub person_reads: i64,
    /// The (lower) median of the actors of the same role who read persons.
    pub role_median: i64,
}

/// The auditor's month.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditReport {
    #[schema(example = "2026-11")]
    pub month: String,
    pub municipalities: Vec<String>,
    /// Records in the month.
    pub records: i64,
    /// Reads of persons with protected identity, in order.
    pub protected_identity_reads: Vec<AuditRecord>,
    pub refusals: Refusals,
    /// Reads by coaches and AF officers, each with the consent that allowed it.
    pub labour_market_reads: Vec<LabourMarketRead>,
    /// Actors with at least 20 reads of persons and more than three times
    /// the median of their role.
    pub standing_out: Vec<ActorVolume>,
}

/// Actions whose allowed records show the person named to the caller,
/// besides every `*.read`, `*.list`, `*.search` and `*.export`.
const SHOWING_PERSONS: &[&str] = &[
    "applicant.labour_market_view",
    "programme.participants",
    "meeting.create",
];

/// Whether a record is a read of person-level data that was allowed.
fn person_read(row: &AuditRow) -> bool {
    row.outcome == crate::domain::audit::Outcome::Allowed.as_str()
        && row.person_id.is_some()
        && (matches!(
            row.action.rsplit('.').next(),
            Some("read" | "list" | "search" | "export")
        ) || SHOWING_PERSONS.contains(&row.action.as_str()))
}

/// The auditor's report of a month.
///
/// Reads of persons with protected identity; refused attempts, by outcome
/// and by actor; every read by a coach or an AF officer with the consent
/// that allowed it (none is a finding); and actors whose volume of reads
/// stands out from their role's. For the token's municipalities, or one of
/// them. Asking is audited.
#[utoipa::path(
    get,
    path = "/api/v1/audit/report",
    tag = "audit",
    operation_id = "get_audit_report",
    params(ReportQuery),
    responses(
        (status = 200, description = "The month's report", body = AuditReport),
    ),
    security(("bearer" = []))
)]
pub async fn get_audit_report(
    caller: Caller,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReportAudit;
    admit(&caller, op, query.municipality.as_deref()).await?;
    let month = required(&query.month)
        .and_then(Month::parse)
        .map_err(|e| super::parameter_error(&e, "month"))?;
    let mut municipalities: Vec<String> = caller.principal.municipality_codes();
    if let Some(m) = &query.municipality {
        municipalities.retain(|o| o == m);
    }
    let filter = Filter {
        municipalities: municipalities.clone(),
        from: Some(time::start_of_day_in_sweden(month.first_day()).naive_utc()),
        to: Some(time::start_of_day_in_sweden(month.next().first_day()).naive_utc()),
        ..Filter::default()
    };
    let report = caller
        .read(move |conn| report(conn, month, municipalities, &filter))
        .await?;
    let record = caller.event(op.audit_action(), op.resource_type());
    caller.audit(vec![record]).await?;
    Ok(HttpResponse::Ok().json(report))
}

fn report(
    conn: &mut DbConn,
    month: Month,
    municipalities: Vec<String>,
    filter: &Filter,
) -> Result<AuditReport, AppError> {
    use std::collections::{BTreeMap, HashMap, HashSet};
    let protected: HashSet<String> = applicants::protected_ids(conn, &municipalities)?
        .into_iter()
        .collect();
    let mut records = 0;
    let mut protected_reads = Vec::new();
    let (mut denied, mut not_visible, mut refused) = (0, 0, 0);
    let mut refused_by: HashMap<(String, String), i64> = HashMap::new();
    let mut reads_by: HashMap<(String, String), i64> = HashMap::new();
    let mut labour = Vec::new();
    let mut after = 0;
    loop {
        let rows = audit::search(conn, filter, after, 5_000)?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for row in rows {
            records += 1;
            match row.outcome.as_str() {
                "denied" => denied += 1,
                "not_visible" => not_visible += 1,
                "refused" => refused += 1,
                _ => {}
            }
            if row.outcome != "allowed" {
                *refused_by
                    .entry((row.actor.clone(), row.role.clone()))
                    .or_default() += 1;
            }
            if !person_read(&row) {
                continue;
            }
            *reads_by
                .entry((row.actor.clone(), row.role.clone()))
                .or_default() += 1;
            if row
                .person_id
                .as_ref()
                .is_some_and(|p| protected.contains(p))
            {
                protected_reads.push(row.clone());
            }
            if row.role == "coach" || row.role == "employment_officer" {
                labour.push(row);
            }
        }
    }
    // The consent in force at each labour-market read.
    let persons: Vec<String> = labour
        .iter()
        .filter_map(|r| r.person_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let consents = consents::of_persons(conn, &persons)?;
    let labour_market_reads = labour
        .into_iter()
        .map(|row| {
            let recipient = if row.role == "coach" {
                Recipient::Viadidakt
            } else {
                Recipient::EmploymentService
            };
            let consent_id = consents
                .iter()
                .find(|c| {
                    Some(&c.applicant_id) == row.person_id.as_ref()
                        && c.recipient == recipient.as_str()
                        && c.created_at <= row.occurred_at
                        && c.revoked_at.is_none_or(|r| r > row.occurred_at)
                })
                .map(|c| c.id.clone());
            Ok(LabourMarketRead {
                record: AuditRecord::try_from(row)?,
                consent_id,
            })
        })
        .collect::<Result<_, AppError>>()?;
    let mut by_actor: Vec<ActorCount> = refused_by
        .into_iter()
        .map(|((actor, role), count)| ActorCount { actor, role, count })
        .collect();
    by_actor.sort_by(|a, b| b.count.cmp(&a.count).then(a.actor.cmp(&b.actor)));
    by_actor.truncate(20);
    let mut per_role: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for ((_, role), n) in &reads_by {
        per_role.entry(role.clone()).or_default().push(*n);
    }
    let medians: HashMap<String, i64> = per_role
        .into_iter()
        .map(|(role, mut counts)| {
            counts.sort_unstable();
            // The lower median, so that of two actors the busier stands out.
            (role, counts[(counts.len() - 1) / 2])
        })
        .collect();
    let mut standing_out: Vec<ActorVolume> = reads_by
        .into_iter()
        .filter_map(|((actor, role), n)| {
            let median = *medians.get(&role)?;
            (n >= 20 && n > 3 * median).then_some(ActorVolume {
                actor,
                role,
                person_reads: n,
                role_median: median,
            })
        })
        .collect();
    standing_out.sort_by_key(|a| std::cmp::Reverse(a.person_reads));
    Ok(AuditReport {
        month: month.to_string(),
        municipalities,
        records,
        protected_identity_reads: protected_reads
            .into_iter()
            .map(AuditRecord::try_from)
            .collect::<Result<_, _>>()?,
        refusals: Refusals {
            denied,
            not_visible,
            refused,
            by_actor,
        },
        labour_market_reads,
        standing_out,
    })
}
