//! Rows and queries of applicants.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{applicant_identities, applicants};
use crate::domain::access::{PersonRelations, PersonScope};

#[derive(Debug, Clone, Queryable, Insertable, Selectable, AsChangeset)]
#[diesel(table_name = applicants, treat_none_as_null = true)]
pub struct ApplicantRow {
    pub municipality: String,
    pub id: String,
    pub personal_number: String,
    pub sex: String,
    pub first_name: String,
    pub last_name: String,
    pub protected_identity: bool,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &ApplicantRow) -> QueryResult<()> {
    diesel::insert_into(applicants::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, municipality: &str, id: &str) -> QueryResult<Option<ApplicantRow>> {
    applicants::table
        .find((municipality, id))
        .select(ApplicantRow::as_select())
        .first(conn)
        .optional()
}

/// The person with this number in the municipality: the one who holds it
/// now, or the one who held it before it was replaced.
pub fn find_by_personal_number(
    conn: &mut DbConn,
    municipality: &str,
    personal_number: &str,
) -> QueryResult<Option<ApplicantRow>> {
    let current = applicants::table
        .filter(applicants::municipality.eq(municipality))
        .filter(applicants::personal_number.eq(personal_number))
        .select(ApplicantRow::as_select())
        .first(conn)
        .optional()?;
    if current.is_some() {
        return Ok(current);
    }
    applicants::table
        .inner_join(
            applicant_identities::table.on(applicant_identities::municipality
                .eq(applicants::municipality)
                .and(applicant_identities::applicant_id.eq(applicants::id))),
        )
        .filter(applicant_identities::municipality.eq(municipality))
        .filter(applicant_identities::personal_number.eq(personal_number))
        .select(ApplicantRow::as_select())
        .first(conn)
        .optional()
}

/// A number a person held before.
#[derive(Debug, Clone, Queryable, Insertable, Selectable)]
#[diesel(table_name = applicant_identities)]
pub struct FormerNumberRow {
    pub municipality: String,
    pub personal_number: String,
    pub applicant_id: String,
    pub replaced_at: NaiveDateTime,
    /// The `sub` of who replaced it.
    pub replaced_by: String,
    pub reason: String,
}

pub fn insert_former(conn: &mut DbConn, row: &FormerNumberRow) -> QueryResult<()> {
    diesel::insert_into(applicant_identities::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// The person's former numbers, oldest first.
pub fn former_numbers(
    conn: &mut DbConn,
    municipality: &str,
    applicant_id: &str,
) -> QueryResult<Vec<FormerNumberRow>> {
    applicant_identities::table
        .filter(applicant_identities::municipality.eq(municipality))
        .filter(applicant_identities::applicant_id.eq(applicant_id))
        .order(applicant_identities::replaced_at.asc())
        .select(FormerNumberRow::as_select())
        .load(conn)
}

/// One page in id order (ids are UUIDv7, so this is creation order).
pub fn page(
    conn: &mut DbConn,
    municipality: &str,
    scope: PersonScope,
    after_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ApplicantRow>> {
    use super::schema::consents;
    let mut query = applicants::table
        .filter(applicants::municipality.eq(municipality))
        .select(ApplicantRow::as_select())
        .order(applicants::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after_id {
        query = query.filter(applicants::id.gt(after.to_owned()));
    }
    match scope {
        PersonScope::All => {}
        PersonScope::Nobody => return Ok(Vec::new()),
        PersonScope::ActiveConsentTo(recipient) => {
            query = query.filter(diesel::dsl::exists(
                consents::table
                    .filter(consents::municipality.eq(applicants::municipality))
                    .filter(consents::applicant_id.eq(applicants::id))
                    .filter(consents::recipient.eq(recipient.as_str()))
                    .filter(consents::revoked_at.is_null()),
            ));
        }
        PersonScope::ReferredToViadidakt { closed_after } => {
            query = query.filter(crate::coach_sight!(
                applicants::municipality,
                applicants::id,
                closed_after
            ));
        }
    }
    query.load(conn)
}

/// Writes a changed row if its version is still `expected_version`.
/// Returns whether it was written.
pub fn update(conn: &mut DbConn, row: &ApplicantRow, expected_version: i64) -> QueryResult<bool> {
    let n = diesel::update(
        applicants::table
            .find((row.municipality.as_str(), row.id.as_str()))
            .filter(applicants::version.eq(expected_version)),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

/// What ties Viadidakt and AF to the person on `today`: active consents,
/// and a referral to Viadidakt that is open or was closed under 90 days ago.
pub fn relations(
    conn: &mut DbConn,
    municipality: &str,
    id: &str,
    today: chrono::NaiveDate,
) -> QueryResult<PersonRelations> {
    use super::consents::active_to;
    let closed_after = crate::domain::referral::coach_sight_closed_after(today);
    Ok(PersonRelations {
        open_referral_to_viadidakt: super::referrals::gives_coach_sight(
            conn,
            municipality,
            id,
            closed_after,
        )?,
        consent_to_viadidakt: active_to(conn, municipality, id, "viadidakt")?,
        consent_to_employment_service: active_to(conn, municipality, id, "employment_service")?,
    })
}

impl ApplicantRow {
    /// The row of a new applicant.
    pub fn new(
        municipality: &str,
        id: &str,
        applicant: &crate::domain::applicant::NewApplicant,
        now: NaiveDateTime,
    ) -> Self {
        let (street, postal_code, city) = split_address(applicant.address.as_ref());
        Self {
            municipality: municipality.to_owned(),
            id: id.to_owned(),
            personal_number: applicant.personal_number.as_str().to_owned(),
            sex: applicant.personal_number.sex().as_str().to_owned(),
            first_name: applicant.first_name.clone(),
            last_name: applicant.last_name.clone(),
            protected_identity: applicant.protected_identity,
            street,
            postal_code,
            city,
            phone: applicant.phone.clone(),
            email: applicant.email.clone(),
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// Applies changes and moves to the next version.
    pub fn apply(
        &mut self,
        changes: &crate::domain::applicant::ApplicantChanges,
        now: NaiveDateTime,
    ) {
        if let Some(v) = &changes.first_name {
            self.first_name.clone_from(v);
        }
        if let Some(v) = &changes.last_name {
            self.last_name.clone_from(v);
        }
        if let Some(v) = changes.protected_identity {
            self.protected_identity = v;
        }
        if let Some(address) = &changes.address {
            (self.street, self.postal_code, self.city) = split_address(address.as_ref());
        }
        if let Some(v) = &changes.phone {
            self.phone.clone_from(v);
        }
        if let Some(v) = &changes.email {
            self.email.clone_from(v);
        }
        self.version += 1;
        self.updated_at = now;
    }

    /// The address, when all its parts are present.
    pub fn address(&self) -> Option<crate::domain::applicant::Address> {
        match (&self.street, &self.postal_code, &self.city) {
            (Some(street), Some(postal_code), Some(city)) => {
                Some(crate::domain::applicant::Address {
                    street: street.clone(),
                    postal_code: postal_code.clone(),
                    city: city.clone(),
                })
            }
            _ => None,
        }
    }
}

type AddressColumns = (Option<String>, Option<String>, Option<String>);

fn split_address(address: Option<&crate::domain::applicant::Address>) -> AddressColumns {
    match address {
        Some(a) => (
            Some(a.street.clone()),
            Some(a.postal_code.clone()),
            Some(a.city.clone()),
        ),
        None => (None, None, None),
    }
}

/// The ids of persons with protected identity in these municipalities.
pub fn protected_ids(conn: &mut DbConn, municipalities: &[String]) -> QueryResult<Vec<String>> {
    applicants::table
        .filter(applicants::municipality.eq_any(municipalities.to_vec()))
        .filter(applicants::protected_identity.eq(true))
        .select(applicants::id)
        .load(conn)
}

/// The municipality of each of `ids` registered in `municipalities`, as
/// (municipality, id) pairs; ids found in none are left out.
pub fn homes(
    conn: &mut DbConn,
    municipalities: &[String],
    ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    applicants::table
        .filter(applicants::municipality.eq_any(municipalities.to_vec()))
        .filter(applicants::id.eq_any(ids.to_vec()))
        .select((applicants::municipality, applicants::id))
        .load(conn)
}

/// The ids of the applicants with this personal number in these
/// municipalities (one per municipality at most).
pub fn ids_by_personal_number(
    conn: &mut DbConn,
    municipalities: &[String],
    personal_number: &str,
) -> QueryResult<Vec<String>> {
    applicants::table
        .filter(applicants::municipality.eq_any(municipalities.to_vec()))
        .filter(applicants::personal_number.eq(personal_number))
        .select(applicants::id)
        .load(conn)
}
