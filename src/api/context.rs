//! What every request shares, and who is calling: the application state and
//! the [`Caller`] extractor that a handler takes instead of the state, the
//! token and the request id one by one.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header, web};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::future::LocalBoxFuture;

use super::limits::{self, LimitKey, Limited, Limits};
use super::tx::{self, Tx};
use crate::auth::audit_key::AuditKeyring;
use crate::auth::policy::{self, Operation};
use crate::auth::{Principal, TokenVerifier};
use crate::db::{Db, DbConn, Pending, clients};
use crate::domain::Municipality;
use crate::domain::audit::{AuditEvent, Outcome};
use crate::domain::time::Clock;
use crate::error::AppError;
use crate::telemetry::{CorrelationId, RequestId};

/// What every request shares.
pub struct AppState {
    pub db: Db,
    pub tokens: TokenVerifier,
    pub client_token_ttl: Duration,
    /// Bounds the threads verifying client secrets (Argon2 is slow by design).
    pub hashing: tokio::sync::Semaphore,
    /// Where every date rule reads "now".
    pub clock: Arc<dyn Clock>,
    /// The keys audit checkpoints are verified with.
    pub audit_keys: AuditKeyring,
    /// Request budgets and refusal limits (also app data of its own, for the
    /// middleware that counts refusals).
    pub limits: web::Data<Limits>,
    /// The smallest count shown to roles that see indicators suppressed.
    pub suppression_threshold: i64,
}

/// The verified caller of a request, with the state it runs against.
#[derive(Clone)]
pub struct Caller {
    pub principal: Principal,
    /// The service's own id of this request, echoed as `X-Request-Id`.
    pub request_id: String,
    /// The caller's own id of it, when it sent one.
    pub correlation_id: Option<String>,
    pub state: web::Data<AppState>,
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let request_id = req.extensions().get::<RequestId>().cloned();
        let correlation_id = req.extensions().get::<CorrelationId>().map(|c| c.0.clone());
        let bearer = bearer_token(req);
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let request_id = request_id.ok_or_else(|| AppError::internal("request id missing"))?;
            let token = bearer?;
            let principal = match state.tokens.verify(&token) {
                Ok(principal) => principal,
                Err(e) => {
                    // Bad tokens count against the address they come from.
                    let address = limits::source_address(&req);
                    if let Some(limited) = state.limits.address_held(&address) {
                        if limited.first_in_window {
                            tracing::warn!("bad tokens from one address held off");
                        }
                        return Err(AppError::TooManyRequests(limited.retry_after));
                    }
                    req.extensions_mut()
                        .insert(LimitKey(limits::address_key(&address)));
                    tracing::info!(reason = e.detail(), "token refused");
                    return Err(AppError::Unauthenticated {
                        detail: e.detail(),
                        invalid_token: true,
                    });
                }
            };
            let owner = principal.owner();
            req.extensions_mut().insert(LimitKey(owner.clone()));
            // Whether an API client is revoked is checked in the same
            // transaction as the request's work.
            let caller = Caller {
                principal,
                request_id: request_id.0,
                correlation_id,
                state,
            };
            if let Err(limited) = caller.state.limits.admit(&owner) {
                return Err(caller.limited(limited).await);
            }
            Ok(caller)
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

impl Caller {
    /// Now, on the service's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.state.clock.now()
    }

    /// Today's civil date in Sweden, on the service's clock.
    pub fn today(&self) -> NaiveDate {
        self.state.clock.today()
    }

    /// An audit record of `action` on `resource_type` by this caller.
    pub fn event(&self, action: &str, resource_type: &str) -> AuditEvent {
        AuditEvent {
            actor: self.principal.subject.clone(),
            role: self.principal.role.as_str().to_owned(),
            action: action.to_owned(),
            resource_type: resource_type.to_owned(),
            resource_id: None,
            municipality: None,
            person_id: None,
            request_id: self.request_id.clone(),
            correlation_id: self.correlation_id.clone(),
            outcome: Outcome::Allowed,
        }
    }

    /// Gate 1 of the policy: whether the role has the operation at all. A
    /// refusal is audited before it is answered.
    pub async fn permit(&self, op: Operation) -> Result<(), AppError> {
        match policy::authorize(&self.principal, op) {
            Ok(()) => Ok(()),
            Err(refusal) => Err(self.refuse(op, None, refusal).await),
        }
    }

    /// Gates 1 and 2 of the policy for an operation in a municipality. A
    /// refusal is audited before it is answered.
    pub async fn admit(&self, op: Operation, code: &str) -> Result<Municipality, AppError> {
        match policy::authorize(&self.principal, op)
            .and_then(|()| policy::municipality(&self.principal, code))
        {
            Ok(m) => Ok(m),
            Err(refusal) => Err(self.refuse(op, Some(code), refusal).await),
        }
    }

    /// Whether this caller must send an `Idempotency-Key` with `op`.
    pub fn key_required(&self, op: Operation) -> bool {
        policy::key_required(&self.principal, op)
    }

    /// A caller held off by the limits: the first 429 of its window is
    /// audited, the rest of the window is not (a storm is one record).
    async fn limited(&self, limited: Limited) -> AppError {
        let refusal = AppError::TooManyRequests(limited.retry_after);
        if !limited.first_in_window {
            return refusal;
        }
        tracing::warn!(role = %self.principal.role, "caller held off by the rate limits");
        let record = self
            .event("request.limited", "request")
            .outcome(Outcome::Refused);
        match self.audit(vec![record]).await {
            Ok(()) => refusal,
            Err(e) => e,
        }
    }

    /// Writes audit records of work done outside a transaction of its own
    /// (a read on the read pool, a refusal before any work), committed
    /// before the answer goes out.
    pub async fn audit(&self, records: Vec<AuditEvent>) -> Result<(), AppError> {
        self.write(move |_, pending| {
            pending.audit.extend(records);
            Ok(())
        })
        .await
    }

    /// Audits a refusal and returns it (or the error of writing the record).
    async fn refuse(&self, op: Operation, code: Option<&str>, refusal: AppError) -> AppError {
        let mut event = self.refusal_of(op, &refusal);
        // Only a well-formed code goes into the log.
        if let Some(code) = code.filter(|c| Municipality::parse(c).is_some()) {
            event = event.municipality(code);
        }
        self.audited(event, refusal).await
    }

    /// Audits a refusal of `op` about `resource` (such as an indicator id
    /// that is not in the catalogue) and returns it.
    pub async fn refuse_about(&self, op: Operation, resource: &str, refusal: AppError) -> AppError {
        let event = self.refusal_of(op, &refusal).resource(resource);
        self.audited(event, refusal).await
    }

    fn refusal_of(&self, op: Operation, refusal: &AppError) -> AuditEvent {
        self.event(op.audit_action(), op.resource_type())
            .outcome(Outcome::of_refusal(refusal))
    }

    async fn audited(&self, event: AuditEvent, refusal: AppError) -> AppError {
        match self.audit(vec![event]).await {
            Ok(()) => refusal,
            Err(e) => e,
        }
    }

    /// Runs `op`'s work in one transaction in `municipality` (see [`Tx`]):
    /// the work loads what it acts on through the policy, and the
    /// transaction records the audit trail, the feed events and every
    /// refusal. Work that collides with a concurrent request (over an
    /// `Idempotency-Key`, or a number from a series) is run again in a new
    /// transaction, a few times.
    pub async fn transact<T, F>(
        &self,
        op: Operation,
        municipality: Municipality,
        work: F,
    ) -> Result<T, AppError>
    where
        F: Fn(&mut Tx) -> Result<T, AppError> + Send + Sync + 'static,
        T: Send + 'static,
    {
        let scope = self.scope(op, municipality);
        let check = self.client_check();
        self.state
            .db
            .write_retrying(move |conn, pending| match refused(conn, pending, &check)? {
                Some(refusal) => Err(refusal),
                None => tx::run(conn, pending, &scope, &work),
            })
            .await
    }

    /// Runs `f` in one transaction after checking, in the same
    /// transaction, that the caller's API client (if any) is not revoked: a
    /// revoked client's request is refused at once with 401, never commits
    /// anything, and leaves an audit record of the attempt.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn, &mut Pending) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let check = self.client_check();
        self.state
            .db
            .write(move |conn, pending| match refused(conn, pending, &check)? {
                Some(refusal) => Err(refusal),
                None => f(conn, pending),
            })
            .await
    }

    /// Runs `f` on a read connection, after the same check as
    /// [`Caller::write`] (a refusal is audited through the writer).
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let client = self.principal.client_id.clone();
        let result = self
            .state
            .db
            .read(move |conn| match client.as_deref() {
                Some(id) if !clients::is_active(conn, id)? => Ok(None),
                _ => f(conn).map(Some),
            })
            .await?;
        match result {
            Some(value) => Ok(value),
            None => {
                self.write(|_, _| Err(AppError::internal("the client was revoked")))
                    .await
            }
        }
    }

    fn scope(&self, op: Operation, municipality: Municipality) -> tx::Scope {
        tx::Scope::new(
            self.principal.clone(),
            (self.request_id.clone(), self.correlation_id.clone()),
            op,
            municipality,
            self.now(),
        )
    }

    fn client_check(&self) -> ClientCheck {
        ClientCheck {
            client_id: self.principal.client_id.clone(),
            refusal: self.event("client.refused", "api_client"),
        }
    }
}

impl Outcome {
    /// The outcome a refusal is recorded with.
    pub fn of_refusal(refusal: &AppError) -> Self {
        match refusal {
            AppError::Forbidden(_) => Self::Denied,
            _ => Self::NotVisible,
        }
    }
}

/// The caller's API client, checked in the request's own transaction.
#[derive(Debug, Clone)]
struct ClientCheck {
    /// `None` for a person's token, checked by its signature alone.
    client_id: Option<String>,
    /// The record of a refusal, should the client be revoked.
    refusal: AuditEvent,
}

/// The refusal of a revoked API client, audited in the caller's transaction.
fn refused(
    conn: &mut DbConn,
    pending: &mut Pending,
    check: &ClientCheck,
) -> Result<Option<AppError>, AppError> {
    let Some(client_id) = check.client_id.as_deref() else {
        return Ok(None);
    };
    if clients::is_active(conn, client_id)? {
        return Ok(None);
    }
    pending.audit.push(
        check
            .refusal
            .clone()
            .resource(client_id)
            .outcome(Outcome::Denied),
    );
    Ok(Some(AppError::Unauthenticated {
        detail: "the API client of this token has been revoked",
        invalid_token: true,
    }))
}
