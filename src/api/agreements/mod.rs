//! The local cooperation agreement and its meetings:
//! `/api/v1/{municipality}/agreements`, `.../agreements/{id}/meetings`.
//!
//! Admins record the agreement social services, Viadidakt and AF signed;
//! the three parties read it and record the weekly (operational) and
//! strategic meetings held under it. A person discussed needs an active
//! consent to AF (BR-10).

pub mod meetings;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::applicants::model::required;
use super::context::Caller;
use super::formats::Line;
use super::json::JsonBody;
use super::params::{
    ListQuery, MunicipalityPath, ResourcePath, cut_page, decode_cursor, etag, page_limit,
};
use super::parse_id;
use super::tx::Tx;
use crate::auth::policy::Operation;
use crate::db::agreements::{self as repo, AgreementRow};
use crate::db::{stored, stored_uuid};
use crate::domain::agreement::{Party, in_force};
use crate::domain::applicant::{self as rules, Checker};
use crate::domain::time;
use crate::error::AppError;

/// A party to the agreement.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyBody {
    #[schema(value_type = Party, required = true)]
    pub unit: Option<String>,
    /// The party's own name, such as "Arbetsförmedlingen Västra Sörmland".
    #[schema(value_type = Line, required = true)]
    pub name: Option<String>,
}

/// An agreement to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Lokal överenskommelse om samverkan",
    "parties": [
        { "unit": "social_services", "name": "Socialförvaltningen Katrineholm" },
        { "unit": "viadidakt", "name": "Viadidakt Arbetsmarknad" },
        { "unit": "employment_service", "name": "Arbetsförmedlingen Västra Sörmland" }
    ],
    "valid_from": "2018-12-01", "signed_on": "2018-11-28",
    "exchange": ["Planering hos Arbetsförmedlingen", "Insatser och resultat", "Kartläggning"]
}))]
pub struct AgreementBody {
    #[schema(value_type = Line, required = true)]
    pub title: Option<String>,
    /// 2–3 parties, each unit once.
    #[schema(value_type = Vec<PartyBody>, required = true, min_items = 2, max_items = 3)]
    pub parties: Option<Vec<PartyBody>>,
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub valid_from: Option<String>,
    /// Not before `valid_from`; none while it runs until further notice.
    #[schema(value_type = Option<NaiveDate>, max_length = 10)]
    pub valid_to: Option<String>,
    /// The day it was signed: not in the future.
    #[schema(value_type = NaiveDate, required = true, max_length = 10)]
    pub signed_on: Option<String>,
    /// What the parties may exchange (with the person's consent), 1–20 lines.
    #[schema(value_type = Vec<Line>, required = true, min_items = 1, max_items = 20)]
    pub exchange: Option<Vec<String>>,
}

/// A party, as recorded.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgreementParty {
    pub unit: Party,
    pub name: String,
}

/// A cooperation agreement.
#[derive(Debug, Serialize, ToSchema)]
pub struct Agreement {
    pub id: Uuid,
    /// SCB municipality code.
    #[schema(example = "0483")]
    pub municipality: String,
    pub title: String,
    pub parties: Vec<AgreementParty>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub signed_on: NaiveDate,
    pub exchange: Vec<String>,
    /// Whether it is in force today.
    pub in_force: bool,
    /// The `ETag` is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Agreement {
    fn new(row: AgreementRow, today: NaiveDate) -> Result<Self, AppError> {
        Ok(Self {
            id: stored_uuid("agreements.id", &row.id)?,
            parties: stored("agreements.parties", serde_json::from_str(&row.parties))?,
            exchange: stored("agreements.exchange", serde_json::from_str(&row.exchange))?,
            in_force: in_force(row.valid_from, row.valid_to, today),
            municipality: row.municipality,
            title: row.title,
            valid_from: row.valid_from,
            valid_to: row.valid_to,
            signed_on: row.signed_on,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// One page of agreements.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementPage {
    pub items: Vec<Agreement>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

pub(super) fn date(c: &mut Checker, field: &str, value: &Option<String>) -> Option<NaiveDate> {
    c.check(
        field,
        required(value)
            .and_then(|d| time::parse_date(d).ok_or_else(|| "must be a date, YYYY-MM-DD".into())),
    )
}

pub(super) fn lines(
    c: &mut Checker,
    field: &str,
    list: &[String],
    max: usize,
) -> Option<Vec<String>> {
    if list.len() > max {
        return c.check(field, Err(format!("must hold at most {max} lines")));
    }
    let mut out = Vec::new();
    for (i, line) in list.iter().enumerate() {
        if let Some(l) = c.check(&format!("{field}[{i}]"), rules::line(line, 200)) {
            out.push(l);
        }
    }
    (out.len() == list.len()).then_some(out)
}

/// An agreement whose every field has passed the rules.
struct NewAgreement {
    title: String,
    parties: Vec<AgreementParty>,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    signed_on: NaiveDate,
    exchange: Vec<String>,
}

fn new_agreement(body: &AgreementBody, today: NaiveDate) -> Result<NewAgreement, AppError> {
    let mut c = Checker::default();
    let title = c.check(
        "title",
        required(&body.title).and_then(|t| rules::line(t, 200)),
    );
    let parties = match &body.parties {
        None => c.check("parties", Err("is required".into())),
        Some(list) if !(2..=3).contains(&list.len()) => {
            c.check("parties", Err("must name 2 or 3 parties".into()))
        }
        Some(list) => {
            let mut parties: Vec<AgreementParty> = Vec::new();
            for (i, p) in list.iter().enumerate() {
                let unit = c.check(
                    &format!("parties[{i}].unit"),
                    required(&p.unit).and_then(Party::parse).and_then(|u| {
                        if parties.iter().any(|q| q.unit == u) {
                            Err("names a party twice".to_owned())
                        } else {
                            Ok(u)
                        }
                    }),
                );
                let name = c.check(
                    &format!("parties[{i}].name"),
                    required(&p.name).and_then(|n| rules::line(n, 200)),
                );
                if let (Some(unit), Some(name)) = (unit, name) {
                    parties.push(AgreementParty { unit, name });
                }
            }
            (parties.len() == list.len()).then_some(parties)
        }
    };
    let valid_from = date(&mut c, "valid_from", &body.valid_from);
    let valid_to = match &body.valid_to {
        None => Some(None),
        Some(_) => date(&mut c, "valid_to", &body.valid_to).and_then(|to| match valid_from {
            Some(from) if to < from => {
                c.check("valid_to", Err("must not be before valid_from".into()))
            }
            _ => Some(Some(to)),
        }),
    };
    let signed_on = date(&mut c, "signed_on", &body.signed_on).and_then(|d| {
        if d > today {
            c.check("signed_on", Err("must not be in the future".into()))
        } else {
            Some(d)
        }
    });
    let exchange = match &body.exchange {
        None => c.check("exchange", Err("is required".into())),
        Some(list) if list.is_empty() => {
            c.check("exchange", Err("must name what may be exchanged".into()))
        }
        Some(list) => lines(&mut c, "exchange", list, 20),
    };
    c.finish().map_err(AppError::Validation)?;
    match (title, parties, valid_from, valid_to, signed_on, exchange) {
        (
            Some(title),
            Some(parties),
            Some(valid_from),
            Some(valid_to),
            Some(signed_on),
            Some(exchange),
        ) => Ok(NewAgreement {
            title,
            parties,
            valid_from,
            valid_to,
            signed_on,
            exchange,
        }),
        _ => Err(AppError::internal("validated field missing")),
    }
}

/// Record a cooperation agreement.
///
/// Admins record the local agreement social services, Viadidakt and AF
/// signed: parties, validity, the day it was signed and what may be
/// exchanged under it (always with the person's consent, OSL 12:2).
#[utoipa::path(
    post,
    path = "/api/v1/{municipality}/agreements",
    tag = "agreements",
    operation_id = "create_agreement",
    params(MunicipalityPath),
    request_body(content = AgreementBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded", body = Agreement,
         headers(("ETag" = String, description = "The version"),
                 ("Location" = String, description = "The agreement"))),
    ),
    security(("bearer" = []))
)]
pub async fn create_agreement(
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let op = Operation::CreateAgreement;
    let municipality = caller.admit(op, &path.municipality).await?;
    let new = body.check(|b| new_agreement(b, caller.today()))?;
    let agreement = caller
        .transact(op, municipality, move |tx| {
            let row = AgreementRow {
                municipality: tx.municipality().to_owned(),
                id: Uuid::now_v7().to_string(),
                title: new.title.clone(),
                parties: serde_json::to_string(&new.parties).map_err(AppError::internal)?,
                valid_from: new.valid_from,
                valid_to: new.valid_to,
                signed_on: new.signed_on,
                exchange: serde_json::to_string(&new.exchange).map_err(AppError::internal)?,
                created_by: tx.principal().subject.clone(),
                version: 1,
                created_at: tx.now(),
                updated_at: tx.now(),
            };
            repo::insert(tx.conn, &row)?;
            tx.about_resource(&row.id);
            Agreement::new(row, tx.today())
        })
        .await?;
    let location = format!(
        "/api/v1/{}/agreements/{}",
        agreement.municipality, agreement.id
    );
    Ok(HttpResponse::Created()
        .insert_header((header::ETAG, etag(agreement.version)))
        .insert_header((header::LOCATION, location))
        .json(agreement))
}

/// List agreements.
///
/// The three parties and admins read them, in id order.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/agreements",
    tag = "agreements",
    operation_id = "list_agreements",
    params(MunicipalityPath, ListQuery),
    responses((status = 200, description = "One page", body = AgreementPage)),
    security(("bearer" = []))
)]
pub async fn list_agreements(
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ListAgreements;
    let municipality = caller.admit(op, &path.municipality).await?;
    let limit = page_limit(query.limit, 25, 100)?;
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let page = caller
        .transact(op, municipality, move |tx| {
            let mut rows = repo::page(tx.conn, tx.municipality(), after.as_deref(), limit + 1)?;
            let next_cursor = cut_page(&mut rows, limit, |r| &r.id);
            let today = tx.today();
            let items = rows
                .into_iter()
                .map(|r| Agreement::new(r, today))
                .collect::<Result<_, _>>()?;
            Ok(AgreementPage { items, next_cursor })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

pub(super) fn load(tx: &mut Tx, id: &str) -> Result<AgreementRow, AppError> {
    let row = repo::find(tx.conn, tx.municipality(), id)?;
    tx.found(id, row)
}

/// Read an agreement.
///
/// Its parties, validity (and whether it is in force today), the day it
/// was signed and what may be exchanged under it.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/agreements/{id}",
    tag = "agreements",
    operation_id = "get_agreement",
    params(ResourcePath),
    responses(
        (status = 200, description = "The agreement", body = Agreement,
         headers(("ETag" = String, description = "The version"))),
    ),
    security(("bearer" = []))
)]
pub async fn get_agreement(
    caller: Caller,
    path: web::Path<ResourcePath>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadAgreement;
    let municipality = caller.admit(op, &path.municipality).await?;
    let id = parse_id(&path.id)?.to_string();
    let agreement = caller
        .transact(op, municipality, move |tx| {
            let row = load(tx, &id)?;
            Agreement::new(row, tx.today())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(agreement.version)))
        .json(agreement))
}
