//! The token endpoint (RFC 6749 §4.4, client credentials) and the JWKS.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::context::AppState;
use crate::api::limits;
use crate::auth::token::{MintRequest, mint};
use crate::auth::{Role, Unit, secrets};
use crate::db::clients;
use crate::domain::Municipality;
use crate::error::AppError;
use crate::error::catalogue::*;

/// A token request, form-encoded. Client credentials go in HTTP Basic
/// authentication (preferred) or in the form, not both.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({ "grant_type": "client_credentials" }))]
pub struct TokenRequest {
    /// The only grant this service supports.
    #[schema(value_type = GrantType, required = true)]
    pub grant_type: Option<String>,
    /// The client's id, when not sent in HTTP Basic authentication.
    #[schema(value_type = String, required = false, max_length = 255)]
    pub client_id: Option<String>,
    /// The client's secret, when not sent in HTTP Basic authentication.
    #[schema(value_type = String, required = false, max_length = 255)]
    pub client_secret: Option<String>,
    /// Ignored: a client's rights are those it was registered with.
    #[schema(value_type = String, required = false, max_length = 255)]
    pub scope: Option<String>,
}

crate::code_enum! {
    /// The OAuth 2.0 grant type (RFC 6749 §4.4).
    GrantType {
        ClientCredentials = "client_credentials",
    }
}

crate::code_enum! {
    /// How to send the token (RFC 6750).
    TokenType {
        Bearer = "Bearer",
    }
}

/// An issued access token (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A signed JWT (EdDSA), to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    pub token_type: TokenType,
    /// Seconds until the token expires.
    #[schema(example = 3600)]
    pub expires_in: u64,
}

/// A hash to verify against when the client does not exist, so that the
/// answer takes as long as for a wrong secret.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| secrets::hash("no such client").unwrap_or_default());

fn oauth(code: &'static str, detail: &'static str, basic_auth: bool) -> AppError {
    AppError::OAuth {
        code,
        detail,
        basic_auth,
    }
}

/// Get an access token for an API client.
///
/// The OAuth 2.0 client-credentials grant for machine clients registered
/// with `bistand client add`. Errors carry the RFC 6749 `error` code in a
/// problem document. Failed attempts are limited per client id and per
/// source address; over the limit the answer is 429 with `Retry-After`,
/// without the secret being checked.
#[utoipa::path(
    post,
    path = "/oauth/token",
    tag = "auth",
    operation_id = "create_token",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "An access token", body = TokenResponse),
        (status = 400, response = OAuthError),
        (status = 401, response = OAuthInvalidClient),
        (status = 429, response = TooManyRequests),
    )
)]
pub async fn post_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<TokenRequest>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let basic = basic_credentials(&req)?;
    let basic_auth = basic.is_some();
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(_) => {
            return Err(oauth(
                "unsupported_grant_type",
                "only the client_credentials grant is supported",
                basic_auth,
            ));
        }
        None => {
            return Err(oauth(
                "invalid_request",
                "grant_type is required",
                basic_auth,
            ));
        }
    }
    let (client_id, secret) = match (basic, form.client_id, form.client_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(oauth(
                "invalid_request",
                "send client credentials in one way only",
                true,
            ));
        }
        (Some(pair), None, None) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => {
            return Err(oauth(
                "invalid_client",
                "client_id and client_secret are required",
                basic_auth,
            ));
        }
    };
    let too_long = |v: &str| v.chars().count() > 255;
    if too_long(&client_id) || too_long(&secret) || form.scope.as_deref().is_some_and(too_long) {
        return Err(oauth(
            "invalid_request",
            "client_id, client_secret and scope are at most 255 characters",
            basic_auth,
        ));
    }
    // Over the failure limit of the client or the address: refused before
    // the slow secret check, so guessing cannot queue legitimate clients.
    let address = limits::source_address(&req);
    if let Some(limited) = state.limits.login_held(&client_id, &address) {
        if limited.first_in_window {
            tracing::warn!("token requests held off after repeated failures");
        }
        return Err(AppError::TooManyRequests(limited.retry_after));
    }
    let lookup_id = client_id.clone();
    let client = state
        .db
        .read(move |conn| Ok(clients::find(conn, &lookup_id)?))
        .await?;
    let stored_hash = client
        .as_ref()
        .map_or_else(|| DUMMY_HASH.clone(), |c| c.secret_hash.clone());
    let secret_ok = {
        let _permit = state.hashing.acquire().await.map_err(AppError::internal)?;
        // Again after the wait: failures counted while this request queued
        // may have held the client or the address off.
        if let Some(limited) = state.limits.login_held(&client_id, &address) {
            return Err(AppError::TooManyRequests(limited.retry_after));
        }
        web::block(move || secrets::verify(&secret, &stored_hash)).await?
    };
    let refused = || {
        oauth(
            "invalid_client",
            "unknown client or wrong secret",
            basic_auth,
        )
    };
    let client = match client {
        Some(c) if secret_ok && c.revoked_at.is_none() => c,
        _ => {
            tracing::info!("token request refused");
            state.limits.login_failed(&client_id, &address);
            return Err(refused());
        }
    };
    let role: Role = client.role.parse().map_err(AppError::internal)?;
    let unit: Unit = client.unit.parse().map_err(AppError::internal)?;
    let municipalities = client
        .municipalities
        .split(',')
        .filter_map(Municipality::parse)
        .collect();
    let ttl = state.client_token_ttl;
    let token = mint(
        state.tokens.keys(),
        &MintRequest {
            subject: client.client_id.clone(),
            role,
            unit: Some(unit),
            municipalities,
            ttl,
            client_id: Some(client.client_id.clone()),
        },
    )?;
    tracing::info!(client_id = %client.client_id, role = %role, "token issued");
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: token,
            token_type: TokenType::Bearer,
            expires_in: ttl.as_secs(),
        }))
}

/// Client credentials from `Authorization: Basic`, when sent.
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || {
        oauth(
            "invalid_client",
            "the Basic credentials are malformed",
            true,
        )
    };
    let value = value.to_str().map_err(|_| bad())?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(bad());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(oauth(
            "invalid_client",
            "use HTTP Basic authentication",
            true,
        ));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    Ok(Some((id.to_owned(), secret.to_owned())))
}

/// The public keys that verify this service's tokens.
///
/// A JWK Set (RFC 7517) of the Ed25519 keys this service signs access
/// tokens with, each with its `kid` (the RFC 7638 thumbprint) and `alg`.
/// Resource servers that verify tokens themselves read it; it holds no
/// secret and needs no token.
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "auth",
    operation_id = "get_jwks",
    responses(
        (status = 200, description = "A JWK Set (RFC 7517)", body = Object, content_type = "application/jwk-set+json"),
    )
)]
pub async fn get_jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(state.tokens.keys().jwks())
}
