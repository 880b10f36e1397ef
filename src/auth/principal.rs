//! Who is calling: the verified token, as an extractor.

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use futures_util::future::LocalBoxFuture;

use super::Role;
use super::Unit;
use crate::domain::Municipality;
use crate::error::AppError;
use crate::startup::AppState;

/// The caller's API client, checked in the request's own transaction.
#[derive(Debug, Clone)]
pub struct ClientCheck {
    /// `None` for a person's token, checked by its signature alone.
    pub client_id: Option<String>,
    pub actor: String,
    pub role: String,
    pub request_id: String,
}

/// The verified caller of a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// `sub`: a person's id at the identity provider, or a client id.
    pub subject: String,
    pub role: Role,
    pub unit: Unit,
    pub municipalities: Vec<Municipality>,
    /// Set when the token was issued to a registered API client.
    pub client_id: Option<String>,
}

impl Principal {
    pub fn serves(&self, municipality: &Municipality) -> bool {
        self.municipalities.contains(municipality)
    }

    /// What the request's transaction checks about the caller's API client,
    /// and who to name in the audit record when the client is revoked.
    pub fn client_check(&self, request_id: &str) -> ClientCheck {
        ClientCheck {
            client_id: self.client_id.clone(),
            actor: self.subject.clone(),
            role: self.role.as_str().to_owned(),
            request_id: request_id.to_owned(),
        }
    }
}

impl FromRequest for Principal {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let bearer = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let token = bearer?;
            let principal = state.tokens.verify(&token).map_err(|e| {
                tracing::info!(reason = e.detail(), "token refused");
                AppError::Unauthenticated {
                    detail: e.detail(),
                    invalid_token: true,
                }
            })?;
            // Whether an API client is revoked is checked in the same
            // transaction as the request's work (AppState::write and ::read).
            Ok(principal)
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, AppError> {
    let missing = AppError::Unauthenticated {
        detail: "send Authorization: Bearer <token>",
        invalid_token: false,
    };
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(missing)?
        .to_str()
        .map_err(|_| AppError::Unauthenticated {
            detail: "the Authorization header is not readable",
            invalid_token: true,
        })?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(AppError::Unauthenticated {
            detail: "the Authorization header must use the Bearer scheme",
            invalid_token: true,
        }),
    }
}
