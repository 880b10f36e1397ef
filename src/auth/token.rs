//! JWT access tokens: minting, and verification per RFC 8725 with a cache
//! of verified tokens until they expire.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Keys, Principal, Role, Unit};
use crate::domain::Municipality;

/// The audience every token must name.
pub const AUDIENCE: &str = "bistand";
/// The media type in the JOSE `typ` header (RFC 9068).
pub const TOKEN_TYPE: &str = "at+jwt";
/// Clock skew allowed on `exp` and `nbf` (RFC 8725 advises keeping it small).
pub const LEEWAY_SECONDS: u64 = 30;
/// Verified tokens kept in memory before the cache is pruned.
const CACHE_CAPACITY: usize = 100_000;

/// The claims of an access token (docs/access.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    /// A string or a list of strings; checked by the validator.
    pub aud: serde_json::Value,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
    pub municipalities: Vec<String>,
    /// Set on tokens issued to a registered API client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// What a token is minted for.
#[derive(Debug, Clone)]
pub struct MintRequest {
    pub subject: String,
    pub role: Role,
    pub unit: Option<Unit>,
    pub municipalities: Vec<Municipality>,
    pub ttl: Duration,
    pub client_id: Option<String>,
}

/// Signs a token with the service's key.
pub fn mint(keys: &Keys, request: &MintRequest) -> anyhow::Result<String> {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        iss: keys.issuer.clone(),
        sub: request.subject.clone(),
        aud: serde_json::Value::String(AUDIENCE.into()),
        exp: now + i64::try_from(request.ttl.as_secs())?,
        iat: now,
        nbf: now,
        jti: uuid::Uuid::new_v4().to_string(),
        role: request.role,
        unit: Some(request.unit.unwrap_or_else(|| request.role.default_unit())),
        municipalities: request
            .municipalities
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect(),
        client_id: request.client_id.clone(),
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some(TOKEN_TYPE.into());
    header.kid = Some(keys.kid.clone());
    Ok(jsonwebtoken::encode(&header, &claims, keys.signing_key())?)
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    WrongType,
    UnknownKey,
    WrongAlgorithm,
    Expired,
    NotYetValid,
    Invalid,
    BadClaims,
    /// The token names a critical header extension (RFC 7515 §4.1.11):
    /// this service understands none, so it must refuse.
    CriticalExtension,
    /// The token lives longer (`exp` − `iat`) than this service accepts.
    TooLong,
}

impl TokenError {
    /// The reason, as the 401 answer gives it.
    pub fn detail(self) -> &'static str {
        match self {
            Self::Malformed => "the token is malformed",
            Self::WrongType => "the token's typ header must be at+jwt",
            Self::UnknownKey => "the token names no key this service trusts",
            Self::WrongAlgorithm => "the token's algorithm is not the one of its key",
            Self::Expired => "the token has expired",
            Self::NotYetValid => "the token is not valid yet",
            Self::Invalid => "the token's signature, issuer or audience is not valid",
            Self::BadClaims => "the token's claims are not valid",
            Self::CriticalExtension => {
                "the token names a critical header extension (crit), which this service does not understand"
            }
            Self::TooLong => {
                "the token lives longer than this service accepts; ask for a shorter one"
            }
        }
    }
}

/// SHA-256 of a token: the cache key, so tokens are not kept in memory twice.
type TokenDigest = [u8; 32];

/// Verifies tokens and remembers the ones that passed until they expire.
#[derive(Clone)]
pub struct TokenVerifier {
    keys: Arc<Keys>,
    /// The longest `exp` − `iat` accepted.
    max_lifetime: Duration,
    cache: Arc<RwLock<HashMap<TokenDigest, (Principal, i64)>>>,
}

impl TokenVerifier {
    pub fn new(keys: Arc<Keys>, max_lifetime: Duration) -> Self {
        Self {
            keys,
            max_lifetime,
            cache: Arc::default(),
        }
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Verifies a compact JWS and returns who it speaks for.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = chrono::Utc::now().timestamp();
        if let Ok(cache) = self.cache.read()
            && let Some((principal, exp)) = cache.get(&digest)
        {
            if now < *exp + LEEWAY_SECONDS as i64 {
                return Ok(principal.clone());
            }
            return Err(TokenError::Expired);
        }
        let (principal, exp) = self.verify_uncached(token)?;
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() >= CACHE_CAPACITY {
                cache.retain(|_, (_, exp)| now < *exp + LEEWAY_SECONDS as i64);
                if cache.len() >= CACHE_CAPACITY {
                    cache.clear();
                }
            }
            cache.insert(digest, (principal.clone(), exp));
        }
        Ok(principal)
    }

    fn verify_uncached(&self, token: &str) -> Result<(Principal, i64), TokenError> {
        if names_critical_extension(token)? {
            return Err(TokenError::CriticalExtension);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        let typ_ok = header.typ.as_deref().is_some_and(|t| {
            t.eq_ignore_ascii_case(TOKEN_TYPE) || t.eq_ignore_ascii_case("application/at+jwt")
        });
        if !typ_ok {
            return Err(TokenError::WrongType);
        }
        let kid = header.kid.as_deref().ok_or(TokenError::UnknownKey)?;
        let key = self
            .keys
            .verification_key(kid)
            .ok_or(TokenError::UnknownKey)?;
        if header.alg != key.algorithm {
            return Err(TokenError::WrongAlgorithm);
        }
        let mut validation = Validation::new(key.algorithm);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[key.issuer.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "nbf", "sub", "iat"]);
        let data = jsonwebtoken::decode::<Claims>(token, &key.key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                ErrorKind::Json(_) | ErrorKind::MissingRequiredClaim(_) => TokenError::BadClaims,
                _ => TokenError::Invalid,
            }
        })?;
        let claims = data.claims;
        let lifetime = claims.exp.saturating_sub(claims.iat);
        if lifetime > i64::try_from(self.max_lifetime.as_secs()).unwrap_or(i64::MAX) {
            return Err(TokenError::TooLong);
        }
        if key.identity_provider && (claims.client_id.is_some() || !claims.role.is_staff()) {
            return Err(TokenError::BadClaims);
        }
        let municipalities = claims
            .municipalities
            .iter()
            .map(|m| Municipality::parse(m).ok_or(TokenError::BadClaims))
            .collect::<Result<Vec<_>, _>>()?;
        let principal = Principal {
            subject: claims.sub,
            role: claims.role,
            unit: claims.unit.unwrap_or_else(|| claims.role.default_unit()),
            municipalities,
            client_id: claims.client_id,
        };
        Ok((principal, claims.exp))
    }
}

/// Whether the token's JOSE header has a `crit` member. RFC 7515 §4.1.11:
/// a recipient that does not understand the extensions it lists must refuse
/// the token, and this service understands none.
fn names_critical_extension(token: &str) -> Result<bool, TokenError> {
    use base64::Engine;
    let encoded = token.split('.').next().ok_or(TokenError::Malformed)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| TokenError::Malformed)?;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
    Ok(header.get("crit").is_some())
}
