//! The access matrix over HTTP: every operation of the contract × the 8
//! roles × 4 scopes, against a table written here from the access rules
//! (docs/access.md), not read from the policy code. A second test fails
//! when the contract has an operation the table lacks. Every answer is also
//! scanned: the roles that must never see a personal number get none, no
//! answer carries a field its contract schema does not name, and a hidden
//! object is refused exactly as a missing one is.

use std::sync::atomic::{AtomicU32, Ordering};

use bistand::auth::Role;
use bistand::domain::Sex;
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use crate::helpers::*;

/// The scopes every operation is tried in, in the table's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// In the caller's municipality, and the caller's to see where its role
    /// sees anyone: the portal submitted it; the person consented to AF
    /// and to Viadidakt, and social services and AF each sent a referral.
    Own,
    /// The same in a municipality outside the caller's token (0428).
    Other,
    /// In the caller's municipality, with no consent to AF, submitted by the
    /// case system rather than the portal, and referred by social services
    /// to Viadidakt; the person's consent to Viadidakt is then revoked (so
    /// no coach sees them), except where the operation needs it.
    Unrelated,
    /// Like `Own`, for a person with protected identity.
    Protected,
}

const SCOPES: [Scope; 4] = [Scope::Own, Scope::Other, Scope::Unrelated, Scope::Protected];

const ROLES: [Role; 8] = [
    Role::Caseworker,
    Role::Coach,
    Role::EmploymentOfficer,
    Role::Analyst,
    Role::Auditor,
    Role::Admin,
    Role::Eservice,
    Role::CaseSystem,
];

/// The expected statuses of an operation for each role, in [`ROLES`]
/// order, each for the four [`SCOPES`].
type Row = (&'static str, [[u16; 4]; 8]);

const NO: [u16; 4] = [403; 4];
/// Seen in the scopes where the role's relations to the person hold (own,
/// protected), hidden elsewhere.
const SEEN: [u16; 4] = [200, 404, 404, 200];
/// Indicator values of a municipality: any of the token's, none of another's.
const VALUES: [u16; 4] = [200, 404, 200, 200];
/// Reported values of a municipality: any of the token's; another's is a
/// body field the token does not cover (422).
const REPORTED: [u16; 4] = [200, 422, 200, 200];
/// [`SEEN`], for an operation that creates.
const CREATED: [u16; 4] = [201, 404, 404, 201];

/// Who may do what, from the access rules: social services' case roles see
/// everyone in their municipalities and the referrals they sent; AF
/// officers see a person only with an active consent to AF, never social
/// services' applications, and the referrals AF sent; coaches see a person
/// and the referrals to Viadidakt only with a referral that is open (or
/// closed under 90 days) and the person's consent to Viadidakt; the
/// portal acts only on what it submitted; analysts, auditors and admins
/// see no case data; only auditors verify the audit log. A role that never
/// has an operation gets 403; an object outside its sight (another
/// municipality, no consent, not submitted by it) 404; a visible object it
/// may not act on 403.
#[rustfmt::skip]
const TABLE: &[Row] = &[
    //                      caseworker              coach                   AF                      analyst auditor  admin eservice                case system
    ("list_applicants",      [[200, 404, 200, 200], [200, 404, 200, 200], [200, 404, 200, 200], NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("create_applicant",     [[201, 404, 201, 201], NO,                   NO,                   NO,     NO,      NO,   NO,                     [201, 404, 201, 201]]),
    ("search_applicants",    [[200, 404, 200, 200], SEEN,                 [200, 404, 404, 200], NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("get_applicant",        [[200, 404, 200, 200], SEEN,                 [200, 404, 404, 200], NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    // Only caseworkers change the contact details protected identity hides;
    // coaches and AF read persons but do not change them.
    ("patch_applicant",      [[200, 404, 200, 200], [403, 404, 404, 403], [403, 404, 404, 403], NO,     NO,      NO,   NO,                     [200, 404, 200, 403]]),
    ("list_consents",        [[200, 404, 200, 200], NO,                   NO,                   NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("create_consent",       [[201, 404, 201, 201], NO,                   NO,                   NO,     NO,      NO,   [201, 404, 404, 201],   [201, 404, 201, 201]]),
    ("revoke_consent",       [[200, 404, 200, 200], NO,                   NO,                   NO,     NO,      NO,   [200, 404, 404, 200],   [200, 404, 200, 200]]),
    ("get_labour_market_view",[NO,                  SEEN,                 SEEN,                 NO,     NO,      NO,   NO,                     NO]),
    ("get_personal_numbers", [[200, 404, 200, 200], NO,                   NO,                   NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    // The matrix's persons hold personal numbers: replacing one answers 409
    // once access is granted (only a coordination number is replaced).
    ("replace_personal_number",[[409, 404, 409, 409], NO,                 NO,                   NO,     NO,      NO,   NO,                     [409, 404, 409, 409]]),
    ("export_applicant",     [[200, 404, 200, 200], NO,                   NO,                   NO,     NO,      NO,   NO,                     NO]),
    ("list_applications",    [[200, 404, 200, 200], [200, 404, 200, 200], NO,                   NO,     NO,      NO,   [200, 404, 200, 200],   [200, 404, 200, 200]]),
    ("create_application",   [[201, 404, 201, 201], NO,                   NO,                   NO,     NO,      NO,   [201, 404, 201, 201],   [201, 404, 201, 201]]),
    ("get_application",      [[200, 404, 200, 200], SEEN,                 NO,                   NO,     NO,      NO,   [200, 404, 404, 200],   [200, 404, 200, 200]]),
    ("start_investigation",  [[200, 404, 200, 200], NO,                   NO,                   NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("decide_application",   [[200, 404, 200, 200], NO,                   NO,                   NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("assess_application",   [[200, 404, 200, 200], NO,                   NO,                   NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("get_calculation",      [[200, 404, 200, 200], NO,                   NO,                   NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    // The national norm is no one's person data: the case roles read it,
    // admins load it (the same table again answers 200).
    ("load_norm_table",      [NO,                   NO,                   NO,                   NO,     NO,      [200; 4], NO,               NO]),
    ("list_norm_tables",     [[200; 4],             NO,                   NO,                   NO,     NO,      [200; 4], NO,               [200; 4]]),
    ("list_indicators",      [[200; 4],             [200; 4],             [200; 4],             [200; 4], NO,    [200; 4], NO,               [200; 4]]),
    ("get_indicator",        [[200; 4],             [200; 4],             [200; 4],             [200; 4], NO,    [200; 4], NO,               [200; 4]]),
    ("get_indicator_values", [VALUES,               VALUES,               VALUES,               VALUES, NO,      VALUES, NO,                 VALUES]),
    ("put_indicator_values", [NO,                   NO,                   NO,                   NO,     NO,      REPORTED, NO,               REPORTED]),
    ("list_kolada_kpis",     [[200; 4],             [200; 4],             [200; 4],             [200; 4], NO,    [200; 4], NO,               [200; 4]]),
    ("get_kolada_kpis",      [[200; 4],             [200; 4],             [200; 4],             [200; 4], NO,    [200; 4], NO,               [200; 4]]),
    ("list_kolada_municipalities", [[200; 4],       [200; 4],             [200; 4],             [200; 4], NO,    [200; 4], NO,               [200; 4]]),
    ("get_kolada_municipalities",  [VALUES,         VALUES,               VALUES,               VALUES, NO,      VALUES, NO,                 VALUES]),
    ("get_kolada_data_by_path", [VALUES,            VALUES,               VALUES,               VALUES, NO,      VALUES, NO,                 VALUES]),
    ("get_kolada_data",      [VALUES,               VALUES,               VALUES,               VALUES, NO,      VALUES, NO,                 VALUES]),
    ("get_kolada_data_slash", [VALUES,              VALUES,               VALUES,               VALUES, NO,      VALUES, NO,                 VALUES]),
    ("get_decision",         [[200, 404, 200, 200], NO,                   NO,                   NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("create_decision",      [[201, 404, 201, 201], NO,                   NO,                   NO,     NO,      NO,   NO,                     [201, 404, 201, 201]]),
    ("list_person_decisions",[[200, 404, 200, 200], NO,                   NO,                   NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("replace_decision",     [[201, 404, 201, 201], NO,                   NO,                   NO,     NO,      NO,   NO,                     [201, 404, 201, 201]]),
    ("withdraw_application", [[200, 404, 200, 200], NO,                   NO,                   NO,     NO,      NO,   [200, 404, 404, 200],   [200, 404, 200, 200]]),
    ("list_payments",        [[200, 404, 200, 200], NO,                   NO,                   NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("create_payment",       [NO,                   NO,                   NO,                   NO,     NO,      NO,   NO,                     [201, 404, 201, 201]]),
    ("get_employment_status",[[200, 404, 200, 200], SEEN,                 SEEN,                 NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("put_employment_status",[[200, 404, 200, 200], SEEN,                 SEEN,                 NO,     NO,      NO,   NO,                     NO]),
    // Each side refers; AF only persons who consented to AF.
    ("create_referral",      [[201, 404, 201, 201], NO,                   [201, 404, 404, 201], NO,     NO,      NO,   NO,                     [201, 404, 201, 201]]),
    // Each side sees what it sent (AF with consent); Viadidakt what was sent to it.
    ("get_referral",         [[200, 404, 200, 200], SEEN,                 SEEN,                 NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("list_referrals",       [[200, 404, 200, 200], [200, 404, 200, 200], [200, 404, 200, 200], NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("accept_referral",      [NO,                   SEEN,                 NO,                   NO,     NO,      NO,   NO,                     NO]),
    ("decline_referral",     [NO,                   SEEN,                 NO,                   NO,     NO,      NO,   NO,                     NO]),
    ("withdraw_referral",    [[200, 404, 200, 200], NO,                   SEEN,                 NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("record_first_meeting", [NO,                   SEEN,                 NO,                   NO,     NO,      NO,   NO,                     NO]),
    ("close_referral",       [NO,                   SEEN,                 NO,                   NO,     NO,      NO,   NO,                     NO]),
    ("establish_plan",       [[200, 404, 200, 200], SEEN,                 NO,                   NO,     NO,      NO,   NO,                     NO]),
    ("create_intervention",  [NO,                   CREATED,              NO,                   NO,     NO,      NO,   NO,                     NO]),
    ("patch_intervention",   [NO,                   SEEN,                 NO,                   NO,     NO,      NO,   NO,                     NO]),
    // Programmes hold no person data; their participants are a coach's view.
    ("create_programme",     [NO,                   [201, 404, 201, 201], NO,                   NO,     NO,      [201, 404, 201, 201], NO,   NO]),
    ("list_programmes",      [[200, 404, 200, 200], [200, 404, 200, 200], NO,                   NO,     NO,      [200, 404, 200, 200], NO,   [200, 404, 200, 200]]),
    ("get_programme",        [[200, 404, 200, 200], [200, 404, 200, 200], NO,                   NO,     NO,      [200, 404, 200, 200], NO,   [200, 404, 200, 200]]),
    ("patch_programme",      [NO,                   [200, 404, 200, 200], NO,                   NO,     NO,      [200, 404, 200, 200], NO,   NO]),
    ("list_participants",    [NO,                   [200, 404, 200, 200], NO,                   NO,     NO,      NO,   NO,                     NO]),
    // The agreement: admins record it, the three parties and admins read it.
    ("create_agreement",     [NO,                   NO,                   NO,                   NO,     NO,      [201, 404, 201, 201], NO,   NO]),
    ("list_agreements",      [[200, 404, 200, 200], [200, 404, 200, 200], [200, 404, 200, 200], NO,     NO,      [200, 404, 200, 200], NO,   NO]),
    ("get_agreement",        [[200, 404, 200, 200], [200, 404, 200, 200], [200, 404, 200, 200], NO,     NO,      [200, 404, 200, 200], NO,   NO]),
    // A person discussed needs consent to AF (409), and one the caller does
    // not see is answered as unknown (422).
    ("create_meeting",       [[201, 404, 409, 201], [201, 404, 422, 201], [201, 404, 422, 201], NO,     NO,      NO,   NO,                     NO]),
    ("list_meetings",        [[200, 404, 200, 200], [200, 404, 200, 200], [200, 404, 200, 200], NO,     NO,      NO,   NO,                     NO]),
    ("list_events",          [NO,                   NO,                   NO,                   NO,     NO,      NO,   NO,                     [200, 404, 200, 200]]),
    ("verify_audit_log",     [NO,                   NO,                   NO,                   NO,     [200; 4], NO,  NO,                     NO]),
    ("list_audit_records",   [NO,                   NO,                   NO,                   NO,     [200; 4], NO,  NO,                     NO]),
    ("search_audit_records", [NO,                   NO,                   NO,                   NO,     [200; 4], NO,  NO,                     NO]),
    ("get_audit_report",     [NO,                   NO,                   NO,                   NO,     [200; 4], NO,  NO,                     NO]),
];

/// Operations anyone may call without a token.
const PUBLIC: &[&str] = &[
    "get_liveness",
    "get_readiness",
    "get_metrics",
    "get_jwks",
    "create_token",
    "get_problem_type",
];

/// A personal number from Skatteverket's test series (serial 980–999),
/// new for every call.
fn fresh_number() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let born = NaiveDate::from_ymd_opt(1960, 1, 1).unwrap() + Duration::days(i64::from(n / 20));
    let sex = if n.is_multiple_of(2) { Sex::K } else { Sex::M };
    test_number(born, sex, (n % 20) / 2)
}

/// The objects of one scope.
#[derive(Debug, Clone)]
struct Target {
    municipality: &'static str,
    person: String,
    personal_number: String,
    application: String,
    /// A consent of the person: to AF where the scope has one, else to Viadidakt.
    consent: String,
    /// Social services' referral of the person.
    referral: String,
    /// AF's referral of the person, where AF could send one.
    af_referral: Option<String>,
    /// An intervention of social services' referral (for the operations
    /// that change one).
    intervention: String,
    /// A programme of the municipality.
    programme: String,
    /// A cooperation agreement of the municipality.
    agreement: String,
    /// The decision on the application, where `op` needs one.
    decision: String,
}

fn in_municipality(app: &TestApp, role: Role, municipality: &str) -> String {
    app.token_for(role, &[municipality])
}

fn named(personal_number: &str) -> Value {
    json!({ "personal_number": personal_number, "first_name": "Tolvan", "last_name": "Tolvansson" })
}

fn form(person: Value) -> Value {
    let mut body = application_body(TOLVAN);
    body["applicant"] = person;
    body
}

fn consent(personal_number: &str, recipient: &str) -> Value {
    json!({
        "personal_number": personal_number,
        "recipient": recipient,
        "purpose": "Samverkan om planering mot arbete",
        "given_at": "2026-11-20T09:30:00Z",
        "channel": "e_service"
    })
}

/// A submission to `municipality`, with an `Idempotency-Key`.
async fn submit_to(
    app: &TestApp,
    municipality: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/{municipality}/applications")))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn body_of(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "setting up {what}: {status} {body}");
    body
}

/// Builds the objects of `scope`, with its application moved to where
/// `op` needs it.
async fn target(app: &TestApp, scope: Scope, op: &str) -> Target {
    let municipality = if scope == Scope::Other {
        "0428"
    } else {
        "0483"
    };
    let caseworker = in_municipality(app, Role::Caseworker, municipality);
    let case = in_municipality(app, Role::CaseSystem, municipality);
    let portal = in_municipality(app, Role::Eservice, municipality);
    let pn = fresh_number();
    let base = format!("/api/v1/{municipality}");
    let (person, application) = match scope {
        Scope::Own | Scope::Other => {
            let receipt = body_of(
                submit_to(app, municipality, &portal, &pn, &form(named(&pn))).await,
                "a portal submission",
            )
            .await;
            (
                receipt["applicant_id"].as_str().unwrap().to_owned(),
                receipt["id"].as_str().unwrap().to_owned(),
            )
        }
        Scope::Unrelated | Scope::Protected => {
            let mut applicant = applicant_body(&pn);
            applicant["protected_identity"] = json!(scope == Scope::Protected);
            let person = body_of(
                app.post(&format!("{base}/applicants"), &caseworker, &applicant)
                    .await,
                "an applicant",
            )
            .await;
            let person = person["id"].as_str().unwrap().to_owned();
            let (submitter, body) = if scope == Scope::Protected {
                (&portal, form(named(&pn)))
            } else {
                (&case, form(json!({ "id": person })))
            };
            let submitted = body_of(
                submit_to(app, municipality, submitter, &pn, &body).await,
                "a submission",
            )
            .await;
            (person, submitted["id"].as_str().unwrap().to_owned())
        }
    };
    let consents = format!("{base}/applicants/{person}/consents");
    let recipients: &[&str] = if scope == Scope::Unrelated {
        &["viadidakt"]
    } else {
        &["viadidakt", "employment_service"]
    };
    let mut consent_id = String::new();
    for recipient in recipients {
        let given = body_of(
            app.post(&consents, &caseworker, &consent(&pn, recipient))
                .await,
            "a consent",
        )
        .await;
        consent_id = given["id"].as_str().unwrap().to_owned();
    }
    let random = || uuid::Uuid::now_v7().to_string();
    let (referral, af_referral, intervention) = if scope == Scope::Other {
        // Viadidakt serves no one in 0428 now (BR-12), and no caller of the
        // other municipality passes its gate: ids are enough.
        (random(), None, random())
    } else {
        let about = (person.as_str(), application.as_str(), consent_id.as_str());
        referrals_of(app, scope, op, &base, about).await
    };
    let programme = if scope != Scope::Other
        && (op.contains("programme") || op == "list_participants")
    {
        let admin = in_municipality(app, Role::Admin, municipality);
        let created = app
            .post(
                &format!("{base}/programmes"),
                &admin,
                &json!({ "name": "Korta vårdspåret", "kind": "vocational_training", "start_date": "2026-12-01", "places": 20 }),
            )
            .await;
        body_of(created, "a programme").await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    } else {
        random()
    };
    let moves: &[(&str, Option<Value>)] = match op {
        "decide_application" => &[("investigation", None)],
        "create_payment" | "list_payments" | "get_decision" | "replace_decision"
        | "create_decision" => &[
            ("investigation", None),
            ("decision", Some(decision("granted", Some("5000.00"), 50))),
        ],
        _ => &[],
    };
    for (action, body) in moves {
        let response = app
            .client
            .post(app.url(&format!("{base}/applications/{application}/{action}")))
            .bearer_auth(&case)
            .header("if-match", "*")
            .json(body.as_ref().unwrap_or(&json!({})))
            .send()
            .await
            .unwrap();
        body_of(response, action).await;
    }
    let decision_id =
        if op.contains("decision") && !op.ends_with("_decisions") && op != "decide_application" {
            let read = app
                .get(&format!("{base}/applications/{application}"), &case)
                .await;
            body_of(read, "the decided application").await["decision"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        } else {
            random()
        };
    if op == "create_decision" {
        // Money paid under the decision, for a recovery to claim back.
        let payment = json!({ "application_id": application, "support_month": current_month(),
            "amount": "500.00", "paid_on": today().to_string(), "payee": { "kind": "applicant" } });
        let paid = app
            .client
            .post(app.url(&format!("{base}/payments")))
            .bearer_auth(&case)
            .header("idempotency-key", uuid::Uuid::now_v7().to_string())
            .json(&payment)
            .send()
            .await
            .unwrap();
        body_of(paid, "a payment").await;
    }
    let agreement = if scope != Scope::Other && (op.contains("agreement") || op.contains("meeting"))
    {
        let admin = in_municipality(app, Role::Admin, municipality);
        let created = app
            .post(&format!("{base}/agreements"), &admin, &agreement_body())
            .await;
        body_of(created, "an agreement").await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    } else {
        random()
    };
    Target {
        municipality,
        person,
        personal_number: pn,
        application,
        consent: consent_id,
        referral,
        af_referral,
        intervention,
        programme,
        agreement,
        decision: decision_id,
    }
}

/// The local agreement as the seeds describe it.
fn agreement_body() -> Value {
    json!({
        "title": "Lokal överenskommelse om samverkan",
        "parties": [
            { "unit": "social_services", "name": "Socialförvaltningen" },
            { "unit": "viadidakt", "name": "Viadidakt Arbetsmarknad" },
            { "unit": "employment_service", "name": "Arbetsförmedlingen Västra Sörmland" }
        ],
        "valid_from": "2018-12-01", "signed_on": "2018-11-28",
        "exchange": ["Planering hos Arbetsförmedlingen", "Insatser och resultat"]
    })
}

/// A POST with `If-Match: *` that must succeed; its body.
async fn post_moved(app: &TestApp, path: &str, token: &str, body: &Value, what: &str) -> Value {
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("if-match", "*")
        .json(body)
        .send()
        .await
        .unwrap();
    body_of(response, what).await
}

/// AF's report and the referrals of the person in `scope` (in 0483), moved
/// to where `op` needs them: social services' referral, AF's where the
/// person consented to AF, and an intervention where `op` changes one. In
/// the unrelated scope the person's consent to Viadidakt (`about.2`) is
/// then revoked, unless `op` needs it.
async fn referrals_of(
    app: &TestApp,
    scope: Scope,
    op: &str,
    base: &str,
    (person, application, consent): (&str, &str, &str),
) -> (String, Option<String>, String) {
    let caseworker = app.token(Role::Caseworker);
    let coach = app.token(Role::Coach);
    let af = app.token(Role::EmploymentOfficer);
    let status = app
        .client
        .put(app.url(&format!(
            "{base}/applicants/{person}/employment-service-status"
        )))
        .bearer_auth(&caseworker)
        .json(&json!({ "registered": true }))
        .send()
        .await
        .unwrap();
    body_of(status, "AF's report").await;
    let referrals = format!("{base}/referrals");
    let sent = body_of(
        app.post(
            &referrals,
            &caseworker,
            &json!({ "applicant_id": person, "application_id": application }),
        )
        .await,
        "a referral",
    )
    .await;
    let referral = sent["id"].as_str().unwrap().to_owned();
    let af_referral = if scope == Scope::Unrelated {
        None
    } else {
        let sent = body_of(
            app.post(&referrals, &af, &json!({ "applicant_id": person }))
                .await,
            "AF's referral",
        )
        .await;
        Some(sent["id"].as_str().unwrap().to_owned())
    };
    let path = format!("{referrals}/{referral}");
    let held = matches!(
        op,
        "establish_plan" | "create_intervention" | "patch_intervention"
    );
    if held || matches!(op, "record_first_meeting" | "close_referral") {
        post_moved(
            app,
            &format!("{path}/accept"),
            &coach,
            &json!({}),
            "an acceptance",
        )
        .await;
    }
    if held {
        let at = json!({ "scheduled_at": now().to_rfc3339() });
        post_moved(
            app,
            &format!("{path}/first-meeting"),
            &coach,
            &at,
            "a booking",
        )
        .await;
        let mapping = json!({ "held_at": now().to_rfc3339(), "mapping": {
            "education_level": "primary", "work_experience": "Städ.", "languages": ["sv"],
            "driving_licence": false, "af_answer": "no_plan" } });
        post_moved(
            app,
            &format!("{path}/first-meeting"),
            &coach,
            &mapping,
            "a first meeting",
        )
        .await;
    }
    let intervention = if op == "patch_intervention" {
        let work = json!({ "kind": "internship", "placement": "municipal", "extent_percent": 50, "start_date": "2026-12-01" });
        let added = body_of(
            app.post(&format!("{path}/interventions"), &coach, &work)
                .await,
            "an intervention",
        )
        .await;
        added["id"].as_str().unwrap().to_owned()
    } else {
        uuid::Uuid::now_v7().to_string()
    };
    if scope == Scope::Unrelated && !matches!(op, "revoke_consent" | "create_referral") {
        let revoked = app
            .post(
                &format!("{base}/consents/{consent}/revoke"),
                &caseworker,
                &json!({}),
            )
            .await;
        body_of(revoked, "a revocation").await;
    }
    (referral, af_referral, intervention)
}

/// The request `op` makes against `target`, or against a random id when
/// `missing`.
fn request(
    app: &TestApp,
    op: &str,
    (role, token): (Role, &str),
    scope: Scope,
    t: &Target,
    missing: bool,
) -> reqwest::RequestBuilder {
    let base = format!("/api/v1/{}", t.municipality);
    let id = |real: &str| {
        if missing {
            uuid::Uuid::now_v7().to_string()
        } else {
            real.to_owned()
        }
    };
    let person = format!("{base}/applicants/{}", id(&t.person));
    let application = format!("{base}/applications/{}", id(&t.application));
    // AF acts on its own referral where it has one.
    let referral = match (&t.af_referral, role) {
        (Some(af), Role::EmploymentOfficer) => af,
        _ => &t.referral,
    };
    let referral = format!("{base}/referrals/{}", id(referral));
    let c = &app.client;
    let at = |path: &str| app.url(path);
    let key = uuid::Uuid::now_v7().to_string();
    let builder = match op {
        "list_applicants" => c.get(at(&format!("{base}/applicants"))),
        "create_applicant" => {
            let mut body = applicant_body(&fresh_number());
            body["protected_identity"] = json!(scope == Scope::Protected);
            c.post(at(&format!("{base}/applicants"))).json(&body)
        }
        "search_applicants" => c
            .post(at(&format!("{base}/applicants/search")))
            .json(&json!({ "personal_number": if missing { fresh_number() } else { t.personal_number.clone() } })),
        "get_applicant" => c.get(at(&person)),
        "patch_applicant" => c
            .patch(at(&person))
            .header("if-match", "*")
            .header("content-type", "application/merge-patch+json")
            .body(json!({ "phone": "0150-999 99" }).to_string()),
        "list_consents" => c.get(at(&format!("{person}/consents"))),
        "create_consent" => c
            .post(at(&format!("{person}/consents")))
            .json(&consent(&t.personal_number, "viadidakt")),
        "revoke_consent" => c.post(at(&format!("{base}/consents/{}/revoke", id(&t.consent)))),
        "export_applicant" => c.get(at(&format!("{person}/export"))),
        "get_personal_numbers" => c.get(at(&format!("{person}/personal-numbers"))),
        "replace_personal_number" => c
            .post(at(&format!("{person}/personal-numbers")))
            .header("if-match", "*")
            .json(&json!({ "personal_number": fresh_number(), "reason": "Folkbokförd." })),
        "get_labour_market_view" => c.get(at(&format!("{person}/labour-market-view"))),
        "list_applications" => c.get(at(&format!("{base}/applications"))),
        "create_application" => c
            .post(at(&format!("{base}/applications")))
            .header("idempotency-key", key)
            .json(&form(named(&t.personal_number))),
        "get_application" => c.get(at(&application)),
        "start_investigation" => c.post(at(&format!("{application}/investigation"))).header("if-match", "*"),
        "decide_application" => c
            .post(at(&format!("{application}/decision")))
            .header("if-match", "*")
            .json(&decision("rejected", None, 100)),
        "withdraw_application" => c.post(at(&format!("{application}/withdraw"))).header("if-match", "*"),
        "assess_application" => c
            .put(at(&format!("{application}/assessment")))
            .header("if-match", "*")
            .json(&json!({ "lines": [{ "line": 1, "approved_amount": "1200.00" }] })),
        "get_decision" => c.get(at(&format!("{base}/decisions/{}", id(&t.decision)))),
        "list_person_decisions" => c.get(at(&format!("{person}/decisions"))),
        "create_decision" => c.post(at(&format!("{base}/decisions"))).json(&json!({
            "kind": "recovery", "applicant_id": id(&t.person), "concerns": [t.decision], "outcome": "claimed",
            "amount": "100.00", "period": { "from": today().format("%Y-%m-01").to_string(), "to": today().format("%Y-%m-01").to_string() },
            "legal_basis": ["sol_2025_33_1"], "reasons": "Inkomst redovisades inte.",
            "decision_maker": { "user_id": "test-caseworker", "name": "Anna Andersson", "title": "Socialsekreterare",
                                "delegation": "Delegationsordning 3.4.1" } })),
        "get_calculation" => c.get(at(&format!("{application}/calculation"))),
        "load_norm_table" => c
            .post(at("/api/v1/norm-tables"))
            .json(&serde_json::from_str::<Value>(NORM_2026).unwrap()),
        "list_norm_tables" => c.get(at("/api/v1/norm-tables")),
        "list_indicators" => c.get(at("/api/v1/indicators")),
        "get_indicator" => c.get(at("/api/v1/indicators/via-participants-referred-by-soc")),
        "get_indicator_values" => c.get(at(&format!(
            "/api/v1/indicators/{}/values?municipality={}&period=2026",
            if missing { "no-such-indicator" } else { "applications-received" },
            t.municipality
        ))),
        "list_kolada_kpis" => c.get(at("/kolada/v3/kpi")),
        "get_kolada_kpis" => c.get(at("/kolada/v3/kpi/households-granted,applications-received")),
        "list_kolada_municipalities" => c.get(at("/kolada/v3/municipality")),
        "get_kolada_municipalities" => c.get(at(&format!("/kolada/v3/municipality/{}", t.municipality))),
        "get_kolada_data_by_path" => c.get(at(&format!(
            "/kolada/v3/data/kpi/applications-received/municipality/{}/year/2026",
            t.municipality
        ))),
        "get_kolada_data" => c.get(at(&format!(
            "/kolada/v3/data?kpi_id=applications-received&municipality_id={}&year=2026",
            t.municipality
        ))),
        "get_kolada_data_slash" => c.get(at(&format!(
            "/kolada/v3/data/?kpi_id=applications-received&municipality_id={}&year=2026",
            t.municipality
        ))),
        "put_indicator_values" => c.put(at("/api/v1/indicators/soc-investigations-started/values")).json(&json!({
            "unit": "count",
            "values": [{ "municipality": t.municipality, "period": current_month(), "value": 12 }] })),
        "replace_decision" => c
            .post(at(&format!("{base}/decisions/{}/replacement", id(&t.decision))))
            .json(&json!({ "ground": "correction", "reason": "Räknefel.",
                           "decision": decision("granted", Some("5100.00"), 50) })),
        "list_payments" => c.get(at(&format!("{application}/payments"))),
        "create_payment" => c
            .post(at(&format!("{base}/payments")))
            .header("idempotency-key", key)
            .json(&json!({ "application_id": id(&t.application), "support_month": current_month(), "amount": "100.00", "paid_on": today().to_string(), "payee": { "kind": "applicant" } })),
        "get_employment_status" => c.get(at(&format!("{person}/employment-service-status"))),
        "put_employment_status" => c
            .put(at(&format!("{person}/employment-service-status")))
            .json(&json!({ "registered": true, "programme": "Rusta och matcha" })),
        "create_referral" => c
            .post(at(&format!("{base}/referrals")))
            .json(&json!({ "applicant_id": id(&t.person), "af_consulted": true })),
        "get_referral" => c.get(at(&referral)),
        "list_referrals" => c.get(at(&format!("{base}/referrals"))),
        "accept_referral" => c.post(at(&format!("{referral}/accept"))).header("if-match", "*").json(&json!({})),
        "decline_referral" => c
            .post(at(&format!("{referral}/decline")))
            .header("if-match", "*")
            .json(&json!({ "reason": "Personen har redan stöd på annat håll." })),
        "withdraw_referral" => c.post(at(&format!("{referral}/withdraw"))).header("if-match", "*"),
        "record_first_meeting" => c
            .post(at(&format!("{referral}/first-meeting")))
            .header("if-match", "*")
            .json(&json!({ "scheduled_at": (now() + Duration::days(2)).to_rfc3339() })),
        "close_referral" => c
            .post(at(&format!("{referral}/close")))
            .header("if-match", "*")
            .json(&json!({ "outcome": "discontinued", "closed_on": today().to_string() })),
        "establish_plan" => c.post(at(&format!("{referral}/plan"))).header("if-match", "*").json(&json!({
            "agreed_on": today().to_string(), "participants": ["person", "caseworker", "coach"],
            "goals": ["Praktik"], "next_follow_up": (today() + Duration::days(14)).to_string() })),
        "create_intervention" => c.post(at(&format!("{referral}/interventions"))).json(&json!({
            "kind": "guidance", "placement": "viadidakt_own", "extent_percent": 25, "start_date": today().to_string() })),
        "patch_intervention" => c
            .patch(at(&format!("{referral}/interventions/{}", id(&t.intervention))))
            .header("if-match", "*")
            .header("content-type", "application/merge-patch+json")
            .body(json!({ "extent_percent": 75 }).to_string()),
        "create_programme" => c.post(at(&format!("{base}/programmes"))).json(&json!({
            "name": "Lokalvårdsutbildning", "kind": "vocational_training", "start_date": "2027-04-01", "places": 20 })),
        "list_programmes" => c.get(at(&format!("{base}/programmes"))),
        "get_programme" => c.get(at(&format!("{base}/programmes/{}", id(&t.programme)))),
        "patch_programme" => c
            .patch(at(&format!("{base}/programmes/{}", id(&t.programme))))
            .header("if-match", "*")
            .header("content-type", "application/merge-patch+json")
            .body(json!({ "places": 24 }).to_string()),
        "list_participants" => c.get(at(&format!("{base}/programmes/{}/participants", id(&t.programme)))),
        "create_agreement" => c.post(at(&format!("{base}/agreements"))).json(&agreement_body()),
        "list_agreements" => c.get(at(&format!("{base}/agreements"))),
        "get_agreement" => c.get(at(&format!("{base}/agreements/{}", id(&t.agreement)))),
        "create_meeting" => c.post(at(&format!("{base}/agreements/{}/meetings", id(&t.agreement)))).json(&json!({
            "kind": "operational", "held_on": today().to_string(),
            "units_present": ["social_services", "viadidakt", "employment_service"],
            "persons": [t.person], "actions": ["AF bokar inskrivningsmöte"] })),
        "list_meetings" => c.get(at(&format!("{base}/agreements/{}/meetings", id(&t.agreement)))),
        "list_events" => c.get(at(&format!("{base}/events"))),
        "verify_audit_log" => c.get(at("/api/v1/audit/verify")),
        "list_audit_records" => c.get(at(&format!("/api/v1/audit?person_id={}&limit=50", t.person))),
        "search_audit_records" => c
            .post(at("/api/v1/audit/search"))
            .json(&json!({ "personal_number": t.personal_number })),
        "get_audit_report" => c.get(at(&format!("/api/v1/audit/report?month={}", current_month()))),
        other => panic!("no request for {other}"),
    };
    builder.bearer_auth(token)
}

/// Digit runs shaped like a valid personal or coordination number.
fn personal_numbers_in(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '-' || chars[i] == '+') {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        let digits: String = run.chars().filter(char::is_ascii_digit).collect();
        if (digits.len() == 10 || digits.len() == 12)
            && bistand::domain::PersonalNumber::parse(&run, today()).is_ok()
        {
            found.push(run);
        }
    }
    found
}

/// Fields of `value` that `schema` (with the contract's components) does
/// not name, by path.
fn undocumented(spec: &Value, value: &Value, schema: &Value, path: &str, found: &mut Vec<String>) {
    let mut schema = schema;
    while let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        schema = &spec["components"]["schemas"][name];
    }
    let branches: Vec<&Value> = ["oneOf", "anyOf", "allOf"]
        .iter()
        .flat_map(|k| schema[*k].as_array().into_iter().flatten())
        .collect();
    if !branches.is_empty() {
        // A field is documented when some branch names it.
        let mut per_branch = Vec::new();
        for branch in &branches {
            let mut f = Vec::new();
            undocumented(spec, value, branch, path, &mut f);
            per_branch.push(f);
        }
        if let Some(best) = per_branch.into_iter().min_by_key(Vec::len) {
            found.extend(best);
        }
        return;
    }
    match value {
        Value::Object(fields) => {
            let Some(properties) = schema["properties"].as_object() else {
                return;
            };
            for (name, child) in fields {
                match properties.get(name) {
                    Some(s) => undocumented(spec, child, s, &format!("{path}.{name}"), found),
                    None => found.push(format!("{path}.{name}")),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                undocumented(spec, item, &schema["items"], &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

fn operation<'a>(spec: &'a Value, id: &str) -> &'a Value {
    spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .find(|op| op["operationId"] == id)
        .unwrap_or_else(|| panic!("{id} is not in the contract"))
}

#[actix_web::test]
async fn every_operation_answers_every_role_in_every_scope_as_the_table_says() {
    let spec: Value = serde_json::from_str(&bistand::openapi::json()).unwrap();
    for app in each_backend().await {
        let b = app.backend;
        let mut wrong = Vec::new();
        let mut exposures = Vec::new();
        let mut probes = 0;
        for (op, row) in TABLE {
            let contract = operation(&spec, op);
            for (role, expected) in ROLES.iter().zip(row) {
                let token = app.token(*role);
                for (scope, want) in SCOPES.iter().zip(expected) {
                    let t = target(&app, *scope, op).await;
                    let response = request(&app, op, (*role, &token), *scope, &t, false)
                        .send()
                        .await
                        .unwrap();
                    probes += 1;
                    let status = response.status().as_u16();
                    let text = response.text().await.unwrap();
                    if status != *want {
                        wrong.push(format!(
                            "{op} as {role} in {scope:?}: {status}, expected {want}: {text}"
                        ));
                    }
                    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    if matches!(
                        role,
                        Role::Analyst | Role::Eservice | Role::Coach | Role::EmploymentOfficer
                    ) {
                        for number in personal_numbers_in(&text) {
                            exposures.push(format!(
                                "{op} as {role} in {scope:?}: a personal number ({} digits)",
                                number.len()
                            ));
                        }
                    }
                    let schema = &contract["responses"][status.to_string()]["content"];
                    if let Some((_, content)) = schema.as_object().and_then(|c| c.iter().next()) {
                        let mut extra = Vec::new();
                        undocumented(&spec, &body, &content["schema"], "", &mut extra);
                        for field in extra {
                            exposures.push(format!(
                                "{op} as {role} in {scope:?}: {field} is not in the contract"
                            ));
                        }
                    } else if !(200..300).contains(&status) || !text.is_empty() {
                        exposures.push(format!(
                            "{op} as {role} in {scope:?}: {status} is not in the contract"
                        ));
                    }
                    // A hidden object is refused exactly as a missing one.
                    if status == 404
                        && contract["parameters"]
                            .as_array()
                            .is_some_and(|p| p.iter().any(|p| p["name"] == "id"))
                    {
                        let missing = request(&app, op, (*role, &token), *scope, &t, true)
                            .send()
                            .await
                            .unwrap();
                        let missing_status = missing.status().as_u16();
                        let missing_text = missing.text().await.unwrap();
                        if (missing_status, &missing_text) != (status, &text) {
                            wrong.push(format!("{op} as {role} in {scope:?}: hidden {status} {text} but missing {missing_status} {missing_text}"));
                        }
                    }
                }
            }
        }
        assert_eq!(probes, TABLE.len() * 8 * 4, "[{b}]");
        assert!(
            wrong.is_empty(),
            "[{b}] {} of {probes} probes answered otherwise:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
        assert!(
            exposures.is_empty(),
            "[{b}] {} leaks in {probes} probes:\n{}",
            exposures.len(),
            exposures.join("\n")
        );
        eprintln!(
            "[{b}] {} operations × 8 roles × 4 scopes = {probes} probes, 0 leaks",
            TABLE.len()
        );
    }
}

#[test]
fn the_table_covers_every_operation_of_the_contract() {
    let spec: Value = serde_json::from_str(&bistand::openapi::json()).unwrap();
    let mut missing = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let id = op["operationId"].as_str().unwrap();
            if !PUBLIC.contains(&id) && !TABLE.iter().any(|(o, _)| *o == id) {
                missing.push(id.to_owned());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "operations without a row in the access table: {missing:?}"
    );
    for (op, _) in TABLE {
        operation(&spec, op);
    }
    for id in PUBLIC {
        let op = operation(&spec, id);
        assert!(
            op.get("security")
                .is_none_or(|s| s.as_array().is_some_and(|a| a
                    .iter()
                    .all(|r| r.as_object().is_some_and(|o| o.is_empty())))),
            "{id} is public"
        );
    }
}
