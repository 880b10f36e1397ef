//! The client-credentials grant and the JWKS.

use bistand::auth::{Role, secrets};
use bistand::db::clients::{self, ClientRow};
use serde_json::Value;

use crate::helpers::*;

/// Registers a client as `bistand client add` does; returns (id, secret).
pub async fn register(app: &TestApp, role: Role) -> (String, String) {
    let secret = secrets::generate();
    let row = ClientRow {
        client_id: uuid::Uuid::new_v4().to_string(),
        name: "test".into(),
        secret_hash: secrets::hash(&secret).unwrap(),
        role: role.as_str().into(),
        unit: role.default_unit().as_str().into(),
        municipalities: "0483".into(),
        created_at: chrono::Utc::now().naive_utc(),
        revoked_at: None,
    };
    let id = row.client_id.clone();
    app.db
        .write(move |conn, _| Ok(clients::insert(conn, &row)?))
        .await
        .unwrap();
    (id, secret)
}

/// A form-encoded token request.
type Form<'a> = &'a [(&'a str, &'a str)];

async fn token_request(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url("/oauth/token"))
        .form(form)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_registered_client_gets_a_token_that_works_until_the_client_is_revoked() {
    for app in each_backend().await {
        let b = app.backend;
        let (id, secret) = register(&app, Role::CaseSystem).await;
        let response = app
            .client
            .post(app.url("/oauth/token"))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "[{b}]");
        assert_eq!(response.headers()["cache-control"], "no-store", "[{b}]");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer", "[{b}]");
        assert_eq!(body["expires_in"], 3600, "[{b}]");
        let token = body["access_token"].as_str().unwrap().to_owned();

        let response = app.get("/api/v1/0483/applicants", &token).await;
        assert_eq!(response.status(), 200, "[{b}] the token works");

        let now = chrono::Utc::now().naive_utc();
        let revoke_id = id.clone();
        app.db
            .write(move |conn, _| Ok(clients::revoke(conn, &revoke_id, now)?))
            .await
            .unwrap();
        let before = app.audit_count().await;
        let response = app.get("/api/v1/0483/applicants", &token).await;
        assert_problem(response, 401, "unauthenticated", b).await;
        // The feed reads on the read pool; the refusal is audited all the same.
        let response = app.get("/api/v1/0483/events", &token).await;
        assert_problem(response, 401, "unauthenticated", b).await;
        let refusals = app.audit_since(before).await;
        assert_eq!(refusals.len(), 2, "[{b}] both attempts are audited");
        for record in refusals {
            assert_eq!(record.action, "client.refused", "[{b}]");
            assert_eq!(record.outcome, "denied", "[{b}]");
            assert_eq!(record.resource_id.as_deref(), Some(id.as_str()), "[{b}]");
        }
        let response = token_request(
            &app,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
            ],
        )
        .await;
        let problem = assert_problem(response, 401, "oauth-error", b).await;
        assert_eq!(problem["error"], "invalid_client", "[{b}]");
    }
}

#[actix_web::test]
async fn wrong_secrets_unknown_clients_and_other_grants_are_refused_with_oauth_errors() {
    for app in each_backend().await {
        let b = app.backend;
        let (id, secret) = register(&app, Role::Eservice).await;
        let cases: [(Form, u16, &str); 5] = [
            (
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &id),
                    ("client_secret", "wrong"),
                ],
                401,
                "invalid_client",
            ),
            (
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", "nobody"),
                    ("client_secret", &secret),
                ],
                401,
                "invalid_client",
            ),
            (
                &[("grant_type", "client_credentials"), ("client_id", &id)],
                401,
                "invalid_client",
            ),
            (
                &[
                    ("grant_type", "password"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ],
                400,
                "unsupported_grant_type",
            ),
            (
                &[("client_id", &id), ("client_secret", &secret)],
                400,
                "invalid_request",
            ),
        ];
        for (form, status, error) in cases {
            let problem =
                assert_problem(token_request(&app, form).await, status, "oauth-error", b).await;
            assert_eq!(problem["error"], error, "[{b}]");
        }
        let response = app
            .client
            .post(app.url("/oauth/token"))
            .json(&serde_json::json!({ "grant_type": "client_credentials" }))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 400, "oauth-error", b).await;
        assert_eq!(
            problem["error"], "invalid_request",
            "[{b}] JSON is not form-encoded"
        );
    }
}

#[actix_web::test]
async fn the_jwks_publishes_the_key_that_verifies_issued_tokens() {
    let app = spawn(None).await;
    let jwks: jsonwebtoken::jwk::JwkSet = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks.keys.len(), 1);
    let jwk = &jwks.keys[0];
    let token = app.token(Role::Caseworker);
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.kid.as_deref(), jwk.common.key_id.as_deref());
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&["bistand"]);
    let data = jsonwebtoken::decode::<Value>(&token, &key, &validation).unwrap();
    assert_eq!(data.claims["role"], "caseworker");
    assert_eq!(data.claims["municipalities"], serde_json::json!(["0483"]));
}

#[actix_web::test]
async fn the_signing_key_and_the_database_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn(None).await;
    // A write, so that the write-ahead log and its index exist.
    let _ = app.create_applicant(TOLVAN).await;
    for file in [
        "signing-key.pem",
        "bistand.db",
        "bistand.db-wal",
        "bistand.db-shm",
    ] {
        let mode = std::fs::metadata(app.data_dir.path().join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
}
