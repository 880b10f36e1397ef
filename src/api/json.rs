//! Request bodies: read eagerly (size and media type), parsed only after
//! the caller has passed the policy, with errors that name the field.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web::Bytes};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::domain::FieldError;
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
