//! Tokens and the policy: 401, 403 and 404 per DESIGN §5.

use base64::Engine;
use bistand::auth::Role;
use serde_json::{Value, json};

use crate::helpers::*;

fn b64(value: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A token with the claims and header of a valid one, edited by `edit`.
fn forged(app: &TestApp, edit: impl FnOnce(&mut Value, &mut Value)) -> String {
    let valid = app.token(Role::Caseworker);
    let mut parts = valid.split('.');
    let decode = |p: &str| -> Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .unwrap(),
        )
        .unwrap()
    };
    let mut header = decode(parts.next().unwrap());
    let mut claims = decode(parts.next().unwrap());
    let signature = parts.next().unwrap().to_owned();
    edit(&mut header, &mut claims);
    format!("{}.{}.{}", b64(&header), b64(&claims), signature)
}

#[actix_web::test]
async fn a_missing_token_is_401_with_a_bearer_challenge() {
    for app in each_backend().await {
        let b = app.backend;
        let response = app
            .client
            .get(app.url("/api/v1/0483/applicants"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"bistand\"",
            "[{b}]"
        );
        assert_problem(response, 401, "unauthenticated", b).await;
    }
}

#[actix_web::test]
async fn tampered_expired_unsigned_or_mistyped_tokens_are_401() {
    for app in each_backend().await {
        let b = app.backend;
        let now = chrono::Utc::now().timestamp();
        let tokens = [
            (
                "changed claims",
                forged(&app, |_, c| c["role"] = json!("admin")),
            ),
            ("expired", forged(&app, |_, c| c["exp"] = json!(now - 120))),
            (
                "other audience",
                forged(&app, |_, c| c["aud"] = json!("other")),
            ),
            ("alg none", {
                let t = forged(&app, |h, _| h["alg"] = json!("none"));
                format!("{}.", t.rsplit_once('.').unwrap().0)
            }),
            (
                "symmetric alg",
                forged(&app, |h, _| h["alg"] = json!("HS256")),
            ),
            ("wrong typ", forged(&app, |h, _| h["typ"] = json!("JWT"))),
            (
                "unknown kid",
                forged(&app, |h, _| h["kid"] = json!("someone-else")),
            ),
            (
                "jku",
                forged(&app, |h, _| {
                    h["kid"] = json!("x");
                    h["jku"] = json!("https://evil.example/jwks")
                }),
            ),
            ("garbage", "not-a-token".to_owned()),
        ];
        for (what, token) in tokens {
            let response = app.get("/api/v1/0483/applicants", &token).await;
            assert_eq!(
                response.headers()["www-authenticate"],
                "Bearer realm=\"bistand\", error=\"invalid_token\"",
                "[{b}] {what}"
            );
            assert_problem(response, 401, "unauthenticated", b).await;
        }
    }
}

#[actix_web::test]
async fn roles_without_person_data_get_403_on_every_applicant_operation() {
    for app in each_backend().await {
        let b = app.backend;
        let created = app.create_applicant(TOLVAN).await;
        let path = created["links"]["self"].as_str().unwrap().to_owned();
        let before = app.applicant_count().await;
        for role in [Role::Analyst, Role::Auditor, Role::Admin, Role::Eservice] {
            let token = app.token(role);
            let answers = [
                app.get("/api/v1/0483/applicants", &token).await,
                app.get(&path, &token).await,
                app.post("/api/v1/0483/applicants", &token, &applicant_body(ERIK))
                    .await,
                app.post(
                    "/api/v1/0483/applicants/search",
                    &token,
                    &json!({ "personal_number": TOLVAN }),
                )
                .await,
                app.patch(
                    &path,
                    &token,
                    Some("\"1\""),
                    &json!({ "phone": "0150-1111111" }),
                )
                .await,
            ];
            for response in answers {
                assert_problem(response, 403, "forbidden", &format!("{b} {role}")).await;
            }
        }
        assert_eq!(app.applicant_count().await, before, "[{b}] nothing written");
    }
}

#[actix_web::test]
async fn a_municipality_outside_the_token_is_404() {
    for app in each_backend().await {
        let b = app.backend;
        let created = app.create_applicant(TOLVAN).await;
        let id = created["id"].as_str().unwrap();
        let vingaker = app.token_for(Role::Caseworker, &["0428"]);
        let response = app
            .get(&format!("/api/v1/0483/applicants/{id}"), &vingaker)
            .await;
        assert_problem(response, 404, "not-found", b).await;
        let response = app.get("/api/v1/0483/applicants", &vingaker).await;
        assert_problem(response, 404, "not-found", b).await;
        let response = app
            .post("/api/v1/0483/applicants", &vingaker, &applicant_body(ERIK))
            .await;
        assert_problem(response, 404, "not-found", b).await;
        // The applicant does not exist in Vingåker's register either.
        let response = app
            .get(&format!("/api/v1/0428/applicants/{id}"), &vingaker)
            .await;
        assert_problem(response, 404, "not-found", b).await;
    }
}

#[actix_web::test]
async fn coaches_and_af_officers_see_no_one_without_referral_or_consent() {
    for app in each_backend().await {
        let b = app.backend;
        let created = app.create_applicant(TOLVAN).await;
        let path = created["links"]["self"].as_str().unwrap().to_owned();
        for role in [Role::Coach, Role::EmploymentOfficer] {
            let who = format!("{b} {role}");
            let token = app.token(role);
            assert_problem(app.get(&path, &token).await, 404, "not-found", &who).await;
            let response = app
                .post(
                    "/api/v1/0483/applicants/search",
                    &token,
                    &json!({ "personal_number": TOLVAN }),
                )
                .await;
            assert_problem(response, 404, "not-found", &who).await;
            // Changing an invisible person is 404, not 403: existence does not leak.
            let response = app
                .patch(
                    &path,
                    &token,
                    Some("\"1\""),
                    &json!({ "phone": "0150-1111111" }),
                )
                .await;
            assert_problem(response, 404, "not-found", &who).await;
            let page: Value = app
                .get("/api/v1/0483/applicants", &token)
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(page["items"], json!([]), "[{who}]");
            // Registering people is not theirs to do.
            let response = app
                .post("/api/v1/0483/applicants", &token, &applicant_body(ERIK))
                .await;
            assert_problem(response, 403, "forbidden", &who).await;
        }
    }
}

#[actix_web::test]
async fn a_token_from_a_trusted_identity_provider_is_accepted_only_with_its_issuer() {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let idp_key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let x =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(idp_key.verifying_key().as_bytes());
    let jwks = json!({ "keys": [ { "kty": "OKP", "crv": "Ed25519", "x": x, "kid": "idp-1", "alg": "EdDSA" } ] });
    let data_dir = tempfile::tempdir().unwrap();
    let jwks_path = data_dir.path().join("idp.json");
    std::fs::write(&jwks_path, jwks.to_string()).unwrap();
    let mut settings = settings(None, data_dir.path());
    settings.tokens.trusted_jwks = Some(jwks_path);
    settings.tokens.trusted_issuer = Some("https://idp.katrineholm.se".into());
    let app = spawn_with(settings, data_dir).await;

    let encoding =
        jsonwebtoken::EncodingKey::from_ed_der(idp_key.to_pkcs8_der().unwrap().as_bytes());
    let sign_as = |iss: &str, role: &str| {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some("idp-1".into());
        header.typ = Some("at+jwt".into());
        let now = chrono::Utc::now().timestamp();
        let claims = json!({
            "iss": iss, "aud": ["bistand"], "sub": "anna.handlaggare", "exp": now + 300, "iat": now,
            "nbf": now, "jti": "1", "role": role, "unit": "social_services", "municipalities": ["0483"]
        });
        jsonwebtoken::encode(&header, &claims, &encoding).unwrap()
    };
    let sign = |iss: &str| sign_as(iss, "caseworker");
    let response = app
        .get(
            "/api/v1/0483/applicants",
            &sign("https://idp.katrineholm.se"),
        )
        .await;
    assert_eq!(response.status(), 200);
    // The same key may not speak for this service's own issuer.
    let response = app.get("/api/v1/0483/applicants", &sign("bistand")).await;
    assert_problem(response, 401, "unauthenticated", "sqlite").await;
    // The identity provider speaks for staff, never for a machine role.
    let machine = sign_as("https://idp.katrineholm.se", "case_system");
    let response = app.get("/api/v1/0483/applicants", &machine).await;
    assert_problem(response, 401, "unauthenticated", "sqlite").await;
}
