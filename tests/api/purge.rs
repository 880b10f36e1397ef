//! Retention (BR-11): `bistand purge` deletes a person's data five years
//! after their last entry, keeps persons born on the 5th, 15th and 25th,
//! and leaves the indicators exactly as they were.

use bistand::auth::Role;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

async fn all_values(app: &TestApp) -> Value {
    let query = "applications-received,households-granted/values?municipality=0483&period=2019-01..2019-12,2019-T1..2019-T3,2019-H1..2019-H2,2019,2026";
    json_of(
        app.get(
            &format!("/api/v1/indicators/{query}"),
            &app.token(Role::Caseworker),
        )
        .await,
        200,
        "values",
    )
    .await
}

#[actix_web::test]
async fn purge_deletes_what_is_five_years_old_keeps_research_days_and_leaves_the_indicators() {
    for app in each_backend().await {
        let b = app.backend;
        let portal = app.token(Role::Eservice);
        app.clock
            .set(Utc.with_ymd_and_hms(2019, 3, 10, 9, 0, 0).unwrap());
        let mut ids = Vec::new();
        for (number, key) in [(ANNA, "anna-2019"), (ERIK, "erik-2019")] {
            let mut body = application_body(number);
            body["support_month"] = json!("2019-03");
            body["children"] = json!([{ "birth_date": "2012-05-14" }]);
            let sent = created(app.submit(&portal, Some(key), &body).await, b).await;
            ids.push(
                sent["applicant_id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{sent}"))
                    .to_owned(),
            );
        }
        // Tolvan's household of 2019 names Nils, who applies again now: they
        // share records, so Tolvan stays with him.
        let mut household = application_body(TOLVAN);
        household["support_month"] = json!("2019-03");
        household["children"] = json!([]);
        household["partner"] = json!({ "personal_number": "20001209-9891", "first_name": "Nils", "last_name": "Exempelsson" });
        created(
            app.submit(&portal, Some("tolvan-2019"), &household).await,
            b,
        )
        .await;
        app.clock.set(now());
        created(
            app.submit(
                &portal,
                Some("nils-2026"),
                &application_body("20001209-9891"),
            )
            .await,
            b,
        )
        .await;
        let before = all_values(&app).await;
        let people = app.applicant_count().await;

        let dry = bistand::purge::run(&app.db, now(), true).unwrap();
        assert_eq!(
            (
                dry.persons,
                dry.purged,
                dry.kept_for_research,
                dry.recent,
                dry.kept_with_others
            ),
            (4, 1, 1, 1, 1),
            "[{b}] {dry:?}"
        );
        assert!(dry.deleted.is_empty(), "[{b}]");
        assert_eq!(
            app.applicant_count().await,
            people,
            "[{b}] a dry run deletes nothing"
        );

        let done = bistand::purge::run(&app.db, now(), false).unwrap();
        assert_eq!(done.purged, 1, "[{b}]");
        assert_eq!(
            done.deleted.get("applicants"),
            Some(&1),
            "[{b}] {:?}",
            done.deleted
        );
        assert_eq!(done.deleted.get("applications"), Some(&1), "[{b}]");
        assert_eq!(done.deleted.get("idempotency_keys"), Some(&1), "[{b}]");
        assert!(
            done.deleted
                .get("indicator_person_years")
                .is_some_and(|n| *n > 0),
            "[{b}]"
        );
        assert_eq!(app.applicant_count().await, people - 1, "[{b}]");
        let caseworker = app.token(Role::Caseworker);
        let anna = app
            .get(&format!("/api/v1/0483/applicants/{}", ids[0]), &caseworker)
            .await;
        assert_eq!(anna.status(), 404, "[{b}]");
        let erik = app
            .get(&format!("/api/v1/0483/applicants/{}", ids[1]), &caseworker)
            .await;
        assert_eq!(erik.status(), 200, "[{b}] born on the 5th: kept");

        assert_eq!(
            all_values(&app).await,
            before,
            "[{b}] the indicators do not change"
        );
        assert_eq!(
            bistand::purge::run(&app.db, now(), false).unwrap().purged,
            0,
            "[{b}]"
        );

        // Her idempotency key went with her application: the same key now
        // submits anew.
        app.clock
            .set(Utc.with_ymd_and_hms(2026, 11, 25, 11, 0, 0).unwrap());
        let again = app
            .submit(&portal, Some("anna-2019"), &application_body(ANNA))
            .await;
        assert_eq!(again.status(), 201, "[{b}]");
        assert!(
            again.headers().get("idempotent-replayed").is_none(),
            "[{b}]"
        );

        // The purge is in the audit log, and the log still verifies.
        let records = app.audit_since(0).await;
        assert!(
            records.iter().any(|r| r.action == "applicant.purge"
                && r.person_id.as_deref() == Some(ids[0].as_str())),
            "[{b}]"
        );
        let verified = json_of(
            app.get("/api/v1/audit/verify", &app.token(Role::Auditor))
                .await,
            200,
            "verify",
        )
        .await;
        assert_eq!(verified["valid"], true, "[{b}] {verified}");
    }
}
