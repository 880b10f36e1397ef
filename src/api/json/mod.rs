//! Request bodies: read eagerly (size and media type), parsed only after
//! the caller has passed the policy, with errors that name the field.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web::Bytes};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::domain::FieldError;

mod shape;
use crate::error::AppError;

/// Largest accepted body.
pub const BODY_LIMIT: usize = 256 * 1024;

/// A JSON body that has been read but not yet parsed.
pub struct JsonBody {
    bytes: Bytes,
}

impl JsonBody {
    /// Parses the body into `T`. Syntax errors answer 400; a field of the
    /// wrong type, a missing field or an unknown field answers 422 naming it.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, AppError> {
        parse(&self.bytes)
    }

    /// Parses the body into `T` and checks it with `rules`, answering every
    /// bad field at once: the fields the contract's schema of `T` does not
    /// know, the fields of the wrong JSON type, and whatever `rules` finds
    /// in the rest (a missing field, a bad value, a broken rule), each field
    /// named once. Syntax errors answer 400.
    ///
    /// `T`'s fields must read any value of their schema's JSON type, and
    /// a missing one (an `Option` or a default), so that the rules see
    /// every field that could be read.
    pub fn check<T, R>(&self, rules: impl FnOnce(&T) -> Result<R, AppError>) -> Result<R, AppError>
    where
        T: DeserializeOwned + utoipa::ToSchema + 'static,
    {
        let mut value: serde_json::Value = serde_json::from_slice(&self.bytes)
            .map_err(|e| AppError::MalformedBody(e.to_string()))?;
        let mut errors = Vec::new();
        let schemas = shape::of::<T>();
        shape::walk(&mut value, &schemas.root, "", &schemas, &mut errors);
        let parsed: T = match serde_path_to_error::deserialize(value) {
            Ok(parsed) => parsed,
            Err(e) => {
                let path = e.path().to_string();
                if errors.is_empty() {
                    errors.push(field_error(&path, e.inner()));
                }
                return Err(AppError::Validation(errors));
            }
        };
        match rules(&parsed) {
            Ok(checked) if errors.is_empty() => Ok(checked),
            Ok(_) => Err(AppError::Validation(errors)),
            Err(AppError::Validation(more)) => {
                // A field named already, or one whose part was, was taken
                // out before the rules read it: name it once.
                let within = |inner: &str, outer: &str| {
                    inner == outer
                        || inner.starts_with(&format!("{outer}."))
                        || inner.starts_with(&format!("{outer}["))
                };
                let named = |name: &str, known: &FieldError| {
                    within(&known.name, name) || within(name, &known.name)
                };
                for e in more {
                    if !errors.iter().any(|known| named(&e.name, known)) {
                        errors.push(e);
                    }
                }
                Err(AppError::Validation(errors))
            }
            Err(other) if errors.is_empty() => Err(other),
            Err(_) => Err(AppError::Validation(errors)),
        }
    }

    /// The raw body.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Parses JSON text into `T` with the errors described at [`JsonBody::parse`].
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                AppError::Validation(vec![field_error(&path, &inner)])
            }
            _ => AppError::MalformedBody(inner.to_string()),
        }
    })?;
    de.end().map_err(|e| {
        AppError::MalformedBody(format!("trailing characters after the JSON value: {e}"))
    })?;
    Ok(value)
}

fn field_error(path: &str, e: &serde_json::Error) -> FieldError {
    let path = if path == "." { "" } else { path };
    let message = e.to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    let join = |field: &str| {
        if path.is_empty() {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        }
    };
    let quoted = |m: &str| m.split('`').nth(1).map(str::to_owned);
    if message.starts_with("unknown field") {
        let field = quoted(&message).unwrap_or_default();
        let expected = message.split_once(", expected ").map(|(_, rest)| rest);
        let reason = match expected {
            Some(rest) => format!("is not a field of this resource (expected {rest})"),
            None => "is not a field of this resource".into(),
        };
        // The path already ends in the unknown field.
        let name = if path.is_empty() {
            field
        } else {
            path.to_owned()
        };
        FieldError::new(name, reason)
    } else if message.starts_with("missing field") {
        FieldError::new(join(&quoted(&message).unwrap_or_default()), "is required")
    } else {
        let name = if path.is_empty() { "body" } else { path };
        FieldError::new(name, message)
    }
}

/// Reads a JSON integer into an `i32`. JSON Schema counts `84.0` as the
/// integer 84, and so does this: a number with no fractional part is
/// accepted, any other is refused.
pub fn integer<'de, D>(deserializer: D) -> Result<i32, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::{Error, Unexpected};
    let number = serde_json::Number::deserialize(deserializer)?;
    let value = if let Some(i) = number.as_i64() {
        i32::try_from(i).ok()
    } else {
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= f64::from(i32::MIN) && *f <= f64::from(i32::MAX))
            .map(|f| f as i32)
    };
    value.ok_or_else(|| {
        D::Error::invalid_value(Unexpected::Other(&number.to_string()), &"an integer")
    })
}

/// `Option<i32>` from a JSON integer, as [`integer`] reads it.
pub fn optional_integer<'de, D>(deserializer: D) -> Result<Option<i32>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "integer")] i32);
    Option::<Wrapped>::deserialize(deserializer).map(|w| w.map(|Wrapped(i)| i))
}

impl FromRequest for JsonBody {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media_ok = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .is_some_and(|m| {
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            });
        let too_long = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n > BODY_LIMIT);
        let bytes = Bytes::from_request(req, payload);
        Box::pin(async move {
            if too_long {
                return Err(AppError::PayloadTooLarge);
            }
            if !media_ok {
                return Err(AppError::UnsupportedMediaType("application/json"));
            }
            let bytes = bytes.await.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge
                } else if e
                    .as_error::<actix_web::error::PayloadError>()
                    .is_some_and(super::deadline::timed_out)
                {
                    AppError::RequestTimeout
                } else {
                    AppError::MalformedBody("the body could not be read".into())
                }
            })?;
            Ok(JsonBody { bytes })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only parsed")]
    struct Inner {
        city: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only parsed")]
    struct Outer {
        name: String,
        address: Option<Inner>,
    }

    fn invalid(text: &str) -> Vec<FieldError> {
        match parse::<Outer>(text.as_bytes()) {
            Err(AppError::Validation(e)) => e,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn unknown_fields_are_named_with_their_path() {
        let e = invalid(r#"{"name":"a","address":{"city":"x","zip":"1"}}"#);
        assert_eq!(e[0].name, "address.zip");
        let e = invalid(r#"{"name":"a","nickname":"b"}"#);
        assert_eq!(e[0].name, "nickname");
    }

    #[test]
    fn missing_and_mistyped_fields_are_named() {
        assert_eq!(invalid(r#"{"address":null}"#)[0].name, "name");
        assert_eq!(invalid(r#"{"name":191212121212}"#)[0].name, "name");
    }

    #[test]
    fn broken_json_is_a_malformed_body() {
        assert!(matches!(
            parse::<Outer>(b"{\"name\":"),
            Err(AppError::MalformedBody(_))
        ));
        assert!(matches!(
            parse::<Outer>(b"{\"name\":\"a\"} x"),
            Err(AppError::MalformedBody(_))
        ));
    }
}
