//! Rows of applications, their declared items, decisions and payments.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    application_items, applications, household_members, payments, receipt_sequences,
};
use crate::domain::access::PersonScope;

#[derive(Debug, Clone, Queryable, Insertable, Selectable, AsChangeset)]
#[diesel(table_name = applications, treat_none_as_null = true)]
pub struct ApplicationRow {
    pub municipality: String,
    pub id: String,
    pub receipt_number: String,
    pub applicant_id: String,
    /// The partner (`household_members` holds the whole household).
    pub co_applicant_id: Option<String>,
    /// Written `[]`: children are household members since migration 11.
    pub children: String,
    pub support_month: String,
    pub channel: String,
    /// JSON array of the applicant's stated reasons (codes).
    pub reasons_for_need: String,
    pub message: Option<String>,
    pub status: String,
    /// The `sub` of the submitter (an API client's id for machine clients).
    pub submitted_by: String,
    pub submitted_role: String,
    pub received_at: NaiveDateTime,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// JSON array of the persons whose given names differ from the register.
    pub name_mismatch: Option<String>,
}

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = application_items)]
pub struct ItemRow {
    pub municipality: String,
    pub application_id: String,
    pub line_no: i32,
    /// `income` or `expense`.
    pub direction: String,
    pub kind: String,
    /// The amount applied for (declared, or as the other authority gave it).
    pub amount_ore: i64,
    /// Whose income or expense: a member key.
    pub member: String,
    /// `declared` or the authority the figure comes from.
    pub source: String,
    /// The amount the caseworker approved; NULL until assessed.
    pub approved_ore: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = payments)]
pub struct PaymentRow {
    pub municipality: String,
    pub id: String,
    pub application_id: String,
    pub support_month: String,
    pub amount_ore: i64,
    pub paid_on: NaiveDate,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    /// Why, on a negative payment (a correction or money reclaimed).
    pub reason: Option<String>,
    /// The decision in force when paid (NULL only if none could be found).
    pub decision_id: Option<String>,
    pub payee_kind: String,
    pub payee_name: Option<String>,
    pub payee_reference: Option<String>,
}

/// The next number in the municipality's receipt series for `year`.
/// Creating a year's series can race on PostgreSQL; the loser fails with a
/// unique violation and its transaction is retried.
pub fn next_receipt_number(conn: &mut DbConn, municipality: &str, year: i32) -> QueryResult<i64> {
    let key = (municipality, year);
    let next: Option<i64> = diesel::update(receipt_sequences::table.find(key))
        .set(receipt_sequences::last_value.eq(receipt_sequences::last_value + 1))
        .returning(receipt_sequences::last_value)
        .get_result(conn)
        .optional()?;
    if let Some(n) = next {
        return Ok(n);
    }
    diesel::insert_into(receipt_sequences::table)
        .values((
            receipt_sequences::municipality.eq(municipality),
            receipt_sequences::year.eq(year),
            receipt_sequences::last_value.eq(1_i64),
        ))
        .execute(conn)?;
    Ok(1)
}

pub fn insert(conn: &mut DbConn, row: &ApplicationRow, items: &[ItemRow]) -> QueryResult<()> {
    diesel::insert_into(applications::table)
        .values(row)
        .execute(conn)?;
    for item in items {
        diesel::insert_into(application_items::table)
            .values(item)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(
    conn: &mut DbConn,
    municipality: &str,
    id: &str,
) -> QueryResult<Option<ApplicationRow>> {
    applications::table
        .find((municipality, id))
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()
}

pub fn items(conn: &mut DbConn, municipality: &str, id: &str) -> QueryResult<Vec<ItemRow>> {
    application_items::table
        .filter(application_items::municipality.eq(municipality))
        .filter(application_items::application_id.eq(id))
        .order(application_items::line_no.asc())
        .select(ItemRow::as_select())
        .load(conn)
}

/// Records the approved amount of one line; false when the line is not
/// the application's.
pub fn approve(
    conn: &mut DbConn,
    municipality: &str,
    id: &str,
    line_no: i32,
    approved_ore: i64,
) -> QueryResult<bool> {
    let n = diesel::update(application_items::table.find((municipality, id, line_no)))
        .set(application_items::approved_ore.eq(Some(approved_ore)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Filters of the application list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Whose applications the caller may see; `None` is everyone's.
    pub scope: Option<PersonScope>,
    pub submitted_by: Option<String>,
    pub status: Option<String>,
    pub applicant_id: Option<String>,
}

/// One page in id (creation) order.
pub fn page(
    conn: &mut DbConn,
    municipality: &str,
    filter: &ListFilter,
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ApplicationRow>> {
    let mut query = applications::table
        .filter(applications::municipality.eq(municipality))
        .select(ApplicationRow::as_select())
        .order(applications::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after_id {
        query = query.filter(applications::id.gt(after.to_owned()));
    }
    if let Some(by) = &filter.submitted_by {
        query = query.filter(applications::submitted_by.eq(by.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(applications::status.eq(status.clone()));
    }
    match filter.scope {
        None | Some(PersonScope::All) => {}
        Some(PersonScope::Nobody) => return Ok(Vec::new()),
        Some(PersonScope::ActiveConsentTo(recipient)) => {
            use super::schema::consents;
            query = query.filter(diesel::dsl::exists(
                consents::table
                    .filter(consents::municipality.eq(applications::municipality))
                    .filter(consents::applicant_id.eq(applications::applicant_id))
                    .filter(consents::recipient.eq(recipient.as_str()))
                    .filter(consents::revoked_at.is_null()),
            ));
        }
        Some(PersonScope::ReferredToViadidakt { closed_after }) => {
            query = query.filter(crate::coach_sight!(
                applications::municipality,
                applications::applicant_id,
                closed_after
            ));
        }
    }
    if let Some(applicant) = &filter.applicant_id {
        query = query.filter(diesel::dsl::exists(
            household_members::table
                .filter(household_members::municipality.eq(applications::municipality))
                .filter(household_members::application_id.eq(applications::id))
                .filter(household_members::applicant_id.eq(applicant.clone())),
        ));
    }
    query.load(conn)
}

/// Whether `submitted_by` submitted an application in the municipality with
/// this person as the applicant (not as co-applicant).
pub fn submitted_for(
    conn: &mut DbConn,
    municipality: &str,
    submitted_by: &str,
    applicant_id: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        applications::table
            .filter(applications::municipality.eq(municipality))
            .filter(applications::submitted_by.eq(submitted_by))
            .filter(applications::applicant_id.eq(applicant_id)),
    ))
    .get_result(conn)
}

/// Whether an application `submitted_by` names `applicant_id` as its
/// applicant under other names than the register's.
pub fn named_otherwise(
    conn: &mut DbConn,
    municipality: &str,
    submitted_by: &str,
    applicant_id: &str,
) -> QueryResult<bool> {
    let flagged: Vec<Option<String>> = applications::table
        .filter(applications::municipality.eq(municipality))
        .filter(applications::submitted_by.eq(submitted_by))
        .filter(applications::applicant_id.eq(applicant_id))
        .filter(applications::name_mismatch.is_not_null())
        .select(applications::name_mismatch)
        .load(conn)?;
    Ok(flagged.into_iter().flatten().any(|text| {
        serde_json::from_str::<Vec<serde_json::Value>>(&text).is_ok_and(|entries| {
            entries.iter().any(|e| {
                // Entries written before households name the role as `person`.
                let member = e.get("member").or_else(|| e.get("person"));
                member.is_some_and(|m| m == "applicant") && e["applicant_id"] == applicant_id
            })
        })
    }))
}

/// Writes a changed row if its version is still `expected_version`.
pub fn update(conn: &mut DbConn, row: &ApplicationRow, expected_version: i64) -> QueryResult<bool> {
    let n = diesel::update(
        applications::table
            .find((row.municipality.as_str(), row.id.as_str()))
            .filter(applications::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

/// Takes the application's row lock until the transaction ends (on SQLite
/// the single writer already serialises writes).
pub fn lock(conn: &mut DbConn, municipality: &str, id: &str) -> QueryResult<()> {
    diesel::update(applications::table.find((municipality, id)))
        .set(applications::version.eq(applications::version))
        .execute(conn)
        .map(drop)
}

pub fn insert_payment(conn: &mut DbConn, row: &PaymentRow) -> QueryResult<()> {
    diesel::insert_into(payments::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Öre paid so far for an application's month.
pub fn paid_ore(
    conn: &mut DbConn,
    municipality: &str,
    application_id: &str,
    month: &str,
) -> QueryResult<i64> {
    let rows: Vec<i64> = payments::table
        .filter(payments::municipality.eq(municipality))
        .filter(payments::application_id.eq(application_id))
        .filter(payments::support_month.eq(month))
        .select(payments::amount_ore)
        .load(conn)?;
    Ok(rows.iter().sum())
}

pub fn payments_of(
    conn: &mut DbConn,
    municipality: &str,
    application_id: &str,
) -> QueryResult<Vec<PaymentRow>> {
    payments::table
        .filter(payments::municipality.eq(municipality))
        .filter(payments::application_id.eq(application_id))
        .order((payments::created_at.asc(), payments::id.asc()))
        .select(PaymentRow::as_select())
        .load(conn)
}

pub fn find_payment(
    conn: &mut DbConn,
    municipality: &str,
    id: &str,
) -> QueryResult<Option<PaymentRow>> {
    payments::table
        .find((municipality, id))
        .select(PaymentRow::as_select())
        .first(conn)
        .optional()
}

/// The person's latest application in the municipality, as the applicant.
pub fn latest_of(
    conn: &mut DbConn,
    municipality: &str,
    applicant_id: &str,
) -> QueryResult<Option<ApplicationRow>> {
    applications::table
        .filter(applications::municipality.eq(municipality))
        .filter(applications::applicant_id.eq(applicant_id))
        .order((applications::received_at.desc(), applications::id.desc()))
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()
}

/// Öre paid under the decisions `decision_ids` (corrections netted).
pub fn paid_under(
    conn: &mut DbConn,
    municipality: &str,
    decision_ids: &[String],
) -> QueryResult<i64> {
    let rows: Vec<i64> = payments::table
        .filter(payments::municipality.eq(municipality))
        .filter(payments::decision_id.eq_any(decision_ids))
        .select(payments::amount_ore)
        .load(conn)?;
    Ok(rows.iter().sum())
}
