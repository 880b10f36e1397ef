//! The change feed for the case system: `GET /api/v1/{municipality}/events`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::context::Caller;
use super::parameter_error;
use super::params::{MunicipalityPath, page_limit};
use crate::auth::policy::Operation;
use crate::db::{events, stored};
use crate::domain::event::{EventType, ResourceKind};
use crate::error::AppError;

/// Where to resume.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The `cursor` of the last event already handled; from the start when left out.
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub after: Option<String>,
    /// Events per page, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// One change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    /// Resume after this event with `?after=` this value.
    #[schema(example = "1042")]
    pub cursor: String,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The kind of resource the event is about.
    pub resource: ResourceKind,
    /// The resource's id.
    pub id: String,
    pub occurred_at: DateTime<Utc>,
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<Event>,
    /// The cursor to resume after: the last item's, or the one asked with
    /// when nothing new has happened.
    pub next_cursor: Option<String>,
}

/// Read the change feed.
///
/// Every create and change, in commit order. A reader that stores the last
/// `cursor` it handled and resumes with `?after=` sees every event exactly
/// once, even while writers run in parallel: numbers are handed out in the
/// writing transaction under a lock held to its commit.
#[utoipa::path(
    get,
    path = "/api/v1/{municipality}/events",
    tag = "events",
    operation_id = "list_events",
    params(MunicipalityPath, FeedQuery),
    responses(
        (status = 200, description = "The next events", body = EventPage),
    ),
    security(("bearer" = []))
)]
pub async fn list_events(
    caller: Caller,
    path: web::Path<MunicipalityPath>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, AppError> {
    let op = Operation::ReadEvents;
    let municipality = caller.admit(op, &path.municipality).await?;
    let limit = page_limit(query.limit, 100, 1000)?;
    let after = match &query.after {
        Some(text) => Some(text)
            .filter(|t| (1..=18).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<i64>().ok())
            .ok_or_else(|| parameter_error("must be a cursor this feed gave out", "after"))?,
        None => 0,
    };
    let code = municipality.as_str().to_owned();
    let rows = caller
        .read(move |conn| Ok(events::page(conn, municipality.as_str(), after, limit)?))
        .await?;
    // The feed names applicants and applications: its every read is audited.
    let record = caller
        .event(op.audit_action(), op.resource_type())
        .municipality(&code);
    caller.audit(vec![record]).await?;
    let next_cursor = rows
        .last()
        .map_or(query.after.clone(), |r| Some(r.seq.to_string()));
    let items = rows
        .into_iter()
        .map(|r| {
            // A stored event type this code does not know is a broken row:
            // answer 500 and log the column, never guess.
            let event_type = stored("events.event_type", EventType::parse(&r.event_type))?;
            Ok(Event {
                cursor: r.seq.to_string(),
                event_type,
                resource: event_type.resource(),
                id: r.resource_id,
                occurred_at: r.occurred_at.and_utc(),
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(HttpResponse::Ok().json(EventPage { items, next_cursor }))
}
