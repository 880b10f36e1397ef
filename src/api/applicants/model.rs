//! Request and response types of applicants, and their conversion to domain values.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::formats::{
    AddressLine, Email, Name, PersonalNumber as PersonalNumberText, Phone, PostalCode,
};
use crate::auth::policy::PersonView;
use crate::db::applicants::ApplicantRow;
use crate::db::stored_uuid;
use crate::domain::applicant::{self as rules, Address, ApplicantChanges, Checker, NewApplicant};
use crate::domain::{PersonalNumber, Sex};
use crate::error::AppError;

/// A postal address to record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    /// Street and number.
    #[schema(value_type = AddressLine, required = true)]
    pub street: Option<String>,
    #[schema(value_type = PostalCode, required = true)]
    pub postal_code: Option<String>,
    #[schema(value_type = AddressLine, required = true)]
    pub city: Option<String>,
}

/// A new applicant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "personal_number": "19121212-1212",
    "first_name": "Tolvan",
    "last_name": "Tolvansson",
    "protected_identity": false,
    "address": { "street": "Storgatan 1", "postal_code": "641 30", "city": "Katrineholm" },
    "phone": "0150-123 45",
    "email": "tolvan@example.se"
}))]
pub struct NewApplicantBody {
    /// Stored as 12 digits.
    #[schema(value_type = PersonalNumberText, required = true)]
    pub personal_number: Option<String>,
    #[schema(value_type = Name, required = true)]
    pub first_name: Option<String>,
    #[schema(value_type = Name, required = true)]
    pub last_name: Option<String>,
    /// *Skyddade personuppgifter*: address, phone and e-mail are then shown
    /// only to caseworkers of the person's municipality.
    #[serde(default)]
    pub protected_identity: bool,
    pub address: Option<AddressBody>,
    #[schema(value_type = Option<Phone>)]
    pub phone: Option<String>,
    #[schema(value_type = Option<Email>)]
    pub email: Option<String>,
}

/// Changes to an applicant as a JSON merge patch (RFC 7396): a field left
/// out stays as it is; `null` clears an optional field. The personal number
/// cannot be changed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "phone": "0150-543 21", "email": null }))]
pub struct ApplicantPatch {
    /// Cannot be removed.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Name, required = false)]
    pub first_name: Option<Option<String>>,
    /// Cannot be removed.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Name, required = false)]
    pub last_name: Option<Option<String>>,
    /// `true` or `false`; only caseworkers change it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool, required = false)]
    pub protected_identity: Option<Option<bool>>,
    /// `null` removes the address.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<AddressBody>, required = false)]
    pub address: Option<Option<AddressBody>>,
    /// `null` removes the phone number.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Phone>, required = false)]
    pub phone: Option<Option<String>>,
    /// `null` removes the e-mail address.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Email>, required = false)]
    pub email: Option<Option<String>>,
}

/// Keeps "present but null" apart from "absent" in a merge patch.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A search by personal number, which never goes in a URL.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "personal_number": "19121212-1212" }))]
pub struct SearchBody {
    /// Personal or coordination number in any form BR-1 accepts.
    #[schema(value_type = PersonalNumberText, required = true)]
    pub personal_number: Option<String>,
}

/// Links to related resources.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicantLinks {
    /// This applicant.
    #[serde(rename = "self")]
    pub self_link: String,
}

/// An applicant as the caller may see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Applicant {
    pub id: Uuid,
    /// SCB municipality code.
    #[schema(example = "0483")]
    pub municipality: String,
    /// 12 digits, `YYYYMMDDNNNC`. Absent in the labour-market view of
    /// coaches and AF officers, who identify the person by name and id.
    #[schema(example = "191212121212")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personal_number: Option<String>,
    /// Legal sex for statistics, from the personal number (BR-1).
    pub sex: Sex,
    /// Whether this is a coordination number (*samordningsnummer*).
    pub coordination_number: bool,
    pub first_name: String,
    pub last_name: String,
    /// When true, address, phone and e-mail are `null` for everyone but
    /// caseworkers of the person's municipality.
    pub protected_identity: bool,
    pub address: Option<Address>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Increases with every change; the `ETag` is this number in quotes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub links: ApplicantLinks,
}

impl Applicant {
    /// The applicant as `view` may see them; a stored value this code
    /// cannot read is a 500 naming the column.
    pub fn new(row: ApplicantRow, view: PersonView) -> Result<Self, AppError> {
        let show_contact = !row.protected_identity || view.shows_protected_contact();
        let address = row.address().filter(|_| show_contact);
        let personal_number = PersonalNumber::from_stored(row.personal_number);
        Ok(Self {
            links: ApplicantLinks {
                self_link: format!("/api/v1/{}/applicants/{}", row.municipality, row.id),
            },
            id: stored_uuid("applicants.id", &row.id)?,
            municipality: row.municipality,
            coordination_number: personal_number.is_coordination_number(),
            personal_number: (view != PersonView::LabourMarket)
                .then(|| personal_number.as_str().to_owned()),
            sex: personal_number.sex(),
            first_name: row.first_name,
            last_name: row.last_name,
            protected_identity: row.protected_identity,
            address,
            phone: row.phone.filter(|_| show_contact),
            email: row.email.filter(|_| show_contact),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// One page of applicants.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicantPage {
    pub items: Vec<Applicant>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Checks a new applicant against the rules, naming every bad field.
pub fn new_applicant(body: &NewApplicantBody, today: NaiveDate) -> Result<NewApplicant, AppError> {
    let mut c = Checker::default();
    let personal_number = c.check(
        "personal_number",
        required(&body.personal_number)
            .and_then(|pn| PersonalNumber::parse(pn, today).map_err(|e| e.to_string())),
    );
    let first_name = c.check(
        "first_name",
        required(&body.first_name).and_then(rules::name),
    );
    let last_name = c.check("last_name", required(&body.last_name).and_then(rules::name));
    let address = body.address.as_ref().map(|a| address(&mut c, a));
    let phone = body
        .phone
        .as_ref()
        .map(|p| c.check("phone", rules::phone(p)));
    let email = body
        .email
        .as_ref()
        .map(|e| c.check("email", rules::email(e)));
    c.finish().map_err(AppError::Validation)?;
    // Every `None` above was recorded as an error, so these are all present.
    let missing = || AppError::internal("validated field missing");
    Ok(NewApplicant {
        personal_number: personal_number.ok_or_else(missing)?,
        first_name: first_name.ok_or_else(missing)?,
        last_name: last_name.ok_or_else(missing)?,
        protected_identity: body.protected_identity,
        address: address.map(|a| a.ok_or_else(missing)).transpose()?,
        phone: phone.map(|p| p.ok_or_else(missing)).transpose()?,
        email: email.map(|e| e.ok_or_else(missing)).transpose()?,
    })
}

/// A field the contract requires: its value, or "is required".
pub fn required(field: &Option<String>) -> Result<&str, String> {
    field.as_deref().ok_or_else(|| "is required".to_owned())
}

/// Checks an address; `None` when a part is bad (recorded in `c`).
fn address(c: &mut Checker, a: &AddressBody) -> Option<rules::Address> {
    let street = c.check("address.street", required(&a.street).and_then(rules::text));
    let postal_code = c.check(
        "address.postal_code",
        required(&a.postal_code).and_then(rules::postal_code),
    );
    let city = c.check("address.city", required(&a.city).and_then(rules::text));
    Some(rules::Address {
        street: street?,
        postal_code: postal_code?,
        city: city?,
    })
}

/// Checks a patch against the rules, naming every bad field.
pub fn changes(patch: &ApplicantPatch) -> Result<ApplicantChanges, AppError> {
    let mut c = Checker::default();
    let required = |c: &mut Checker, field: &str, v: &Option<Option<String>>| match v {
        None => None,
        Some(None) => c.check::<String>(field, Err("cannot be removed".into())),
        Some(Some(v)) => c.check(field, rules::name(v)),
    };
    let first_name = required(&mut c, "first_name", &patch.first_name);
    let last_name = required(&mut c, "last_name", &patch.last_name);
    let protected_identity = match patch.protected_identity {
        None => None,
        Some(None) => c.check(
            "protected_identity",
            Err("cannot be removed; send true or false".into()),
        ),
        Some(Some(v)) => Some(v),
    };
    let address = patch
        .address
        .as_ref()
        .map(|a| a.as_ref().map(|a| address(&mut c, a)));
    let phone = patch
        .phone
        .as_ref()
        .map(|p| p.as_ref().map(|p| c.check("phone", rules::phone(p))));
    let email = patch
        .email
        .as_ref()
        .map(|e| e.as_ref().map(|e| c.check("email", rules::email(e))));
    c.finish().map_err(AppError::Validation)?;
    Ok(ApplicantChanges {
        first_name,
        last_name,
        protected_identity,
        address: address.map(Option::flatten),
        phone: phone.map(Option::flatten),
        email: email.map(Option::flatten),
    })
}
