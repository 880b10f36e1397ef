//! Named string formats of the contract, each built from the pattern and
//! bounds the domain rule that reads it implements, so the contract and the
//! code state one rule. Request fields name them with
//! `#[schema(value_type = ...)]`.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};

use crate::domain::{applicant, household, money, month, personal_number};

/// Declares a named string schema.
macro_rules! string_format {
    ($(#[$doc:meta])* $name:ident: $description:expr, pattern = $pattern:expr, min = $min:expr, max = $max:expr, example = $example:expr $(, format = $format:expr)?) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let builder = ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some($description))
                    .pattern(Some($pattern))
                    .min_length($min)
                    .max_length($max)
                    .examples([$example]);
                $(let builder = builder.format(Some(SchemaFormat::Custom($format.into())));)?
                builder.into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

string_format!(
    /// A personal or coordination number (BR-1).
    PersonalNumber: "A personal or coordination number (personnummer, samordningsnummer): 10 or 12 \
digits with an optional `-` or `+` before the last four, a valid date (a coordination number \
has day + 60) and a Luhn check digit (BR-1). Never in a URL.",
    // The pattern bounds the length (10 to 13 characters); a maxLength
    // beside it would only make generators try numbers that are not dates.
    pattern = personal_number::PATTERN,
    min = None,
    max = None,
    example = "19121212-1212",
    format = "personnummer"
);

string_format!(
    /// A person's first or last name.
    Name: "A name: 1-100 characters, no control characters, not blank; kept trimmed.",
    pattern = applicant::LINE_PATTERN,
    min = Some(1),
    max = Some(100),
    example = "Tolvan"
);

string_format!(
    /// A street or a city.
    AddressLine: "A line of an address: 1-200 characters, no control characters, not blank; kept trimmed.",
    pattern = applicant::LINE_PATTERN,
    min = Some(1),
    max = Some(200),
    example = "Storgatan 1"
);

string_format!(
    /// A Swedish postal code.
    PostalCode: "Five digits, with or without a space after the third; kept as five digits.",
    pattern = applicant::POSTAL_CODE_PATTERN,
    min = Some(5),
    max = Some(6),
    example = "641 30"
);

string_format!(
    /// A phone number.
    Phone: "6-20 digits with spaces or `-` between them, optionally starting with `+`.",
    pattern = applicant::PHONE_PATTERN,
    min = Some(6),
    max = Some(40),
    example = "0150-123 45"
);

string_format!(
    /// An e-mail address.
    Email: "An e-mail address: text, one `@`, and a domain with a dot.",
    pattern = applicant::EMAIL_PATTERN,
    min = Some(3),
    max = Some(254),
    example = "tolvan@example.se"
);

string_format!(
    /// What a person consented to.
    Purpose: "What the person agreed to, in their words or the form's: 1-500 characters of \
free text (tabs and line breaks allowed, other control characters not), not blank; kept trimmed.",
    pattern = applicant::TEXT_PATTERN,
    min = Some(1),
    max = Some(500),
    example = "Samverkan om planering mot arbete enligt den lokala överenskommelsen"
);

string_format!(
    /// A decision's reasons.
    Reasons: "The reasons for a decision: 1-2000 characters of free text (tabs and line \
breaks allowed, other control characters not), not blank; kept trimmed.",
    pattern = applicant::TEXT_PATTERN,
    min = Some(1),
    max = Some(2000),
    example = "Hushållets inkomster täcker normen för månaden."
);

string_format!(
    /// A note to another party.
    Note: "Free text to the other party: 1-2000 characters (tabs and line breaks allowed, \
other control characters not), not blank; kept trimmed.",
    pattern = applicant::TEXT_PATTERN,
    min = Some(1),
    max = Some(2000),
    example = "Har arbetat inom lokalvård; vill pröva vård och omsorg."
);

string_format!(
    /// A line of text: a name of a thing, a title.
    Line: "One line of text: 1-200 characters, no control characters, not blank; kept trimmed.",
    pattern = applicant::LINE_PATTERN,
    min = Some(1),
    max = Some(200),
    example = "Korta vårdspåret"
);

string_format!(
    /// The id of a resource.
    ResourceId: "The id of a resource: a UUID in its hyphenated form, 36 characters.",
    pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    min = Some(36),
    max = Some(36),
    example = "019a2b3c-4d5e-7f00-8a1b-2c3d4e5f6a7b",
    format = "uuid"
);

string_format!(
    /// A language.
    LanguageCode: "A language as an ISO 639-1 or 639-3 code in lower case: `sv`, `ar`, `so`, `tir`.",
    pattern = r"^[a-z]{2,3}$",
    min = Some(2),
    max = Some(3),
    example = "sv"
);

string_format!(
    /// A message from the applicant.
    Message: "Free text from the applicant: 1-4000 characters (tabs and line breaks allowed, \
other control characters not), not blank; kept trimmed.",
    pattern = applicant::TEXT_PATTERN,
    min = Some(1),
    max = Some(4000),
    example = "Jag har sökt arbete men inte fått något."
);

string_format!(
    /// An amount in SEK.
    Sek: "SEK as a string with at most 2 decimals and at most 7 digits before the point, \
never a JSON number: `8450.00`.",
    pattern = money::SEK_PATTERN,
    min = Some(1),
    max = Some(10),
    example = "8450.00"
);

string_format!(
    /// An amount in SEK that may be negative.
    SignedSek: "SEK as a string with at most 2 decimals and at most 7 digits before the point, \
negative for money reclaimed: `-450.50`.",
    pattern = money::SIGNED_SEK_PATTERN,
    min = Some(1),
    max = Some(11),
    example = "-450.50"
);

string_format!(
    /// A calendar month.
    Month: "A civil month in Sweden, `YYYY-MM`, in 2000-2099.",
    pattern = month::PATTERN,
    min = Some(7),
    max = Some(7),
    example = "2026-10"
);

string_format!(
    /// A person of an application's household.
    MemberKey: "A person of the application's household: `applicant`, `partner`, \
`adult_1`… (other adults sharing the home) or `child_1`… (children), numbered in the order \
the application lists them.",
    pattern = household::MEMBER_PATTERN,
    min = Some(7),
    max = Some(9),
    example = "child_1"
);
