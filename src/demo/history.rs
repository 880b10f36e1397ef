//! Sends the demo's history ([`super::plan`]) through the service's own
//! routes, in process, as the e-service portal, the case system, the
//! caseworkers, Viadidakt's coach, AF's officer and an admin would: on a
//! clock moved from one moment of the plan to the next, with everything
//! of one moment sent at once. So every rule, audit record, feed event and
//! indicator comes out of the same code as in service.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::{TestRequest, init_service, read_body};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

use super::plan::{self, FORECASTS, Household, PROGRAMMES, Referral, Then};
use crate::auth::audit_key::{self, AuditKey};
use crate::auth::token::{MintRequest, mint};
use crate::auth::{Keys, Role};
use crate::config::{
    AuditSettings, IndicatorSettings, LimitSettings, Settings, StorageSettings, TokenSettings,
};
use crate::db::Db;
use crate::db::schema::applications;
use crate::domain::month::Month;
use crate::domain::time::{Clock, FixedClock};
use crate::domain::{Municipality, PersonalNumber, Sex};
use crate::startup::{Shared, app};

/// How many requests are in flight at once.
const AT_ONCE: usize = 48;

/// What the history added.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Whether it was there already (nothing sent).
    pub already: bool,
    pub requests: usize,
    pub households: usize,
    pub household_months: usize,
    pub referrals: usize,
}

/// Sends the history unless it is there already (its last closure is the
/// sign). One that was begun and not finished cannot be resumed: that is
/// an error naming what to do.
pub async fn load(
    storage: &StorageSettings,
    tokens: &TokenSettings,
    audit: &AuditSettings,
    db: &Db,
    keys: Arc<Keys>,
) -> anyhow::Result<Report> {
    let households = plan::households();
    let referrals = plan::referrals();
    // The first thing the history registers, and the last thing it does.
    let first = match referrals.first() {
        Some(r) => (r.municipality, person(born(1985), r.index, r.sex)?),
        None => anyhow::bail!("the demo history has no referrals"),
    };
    let last = plan::last_closed(&referrals);
    let (started, complete) = db
        .read(move |conn| {
            use crate::db::schema::referrals;
            use diesel::prelude::*;
            let number = first.1["personal_number"].as_str().unwrap_or_default();
            let registered =
                crate::db::applicants::find_by_personal_number(conn, first.0, number)?.is_some();
            let month = applications::table
                .filter(applications::municipality.eq("0483"))
                .filter(applications::support_month.eq("2018-01"))
                .select(applications::id)
                .first::<String>(conn)
                .optional()?
                .is_some();
            let closed = referrals::table
                .filter(referrals::municipality.eq("0483"))
                .filter(referrals::closed_on.eq(last))
                .select(referrals::id)
                .first::<String>(conn)
                .optional()?
                .is_some();
            Ok((registered || month, closed))
        })
        .await?;
    if complete {
        return Ok(Report {
            already: true,
            ..Report::default()
        });
    }
    if started {
        anyhow::bail!(
            "the demo history was interrupted before it was complete and cannot be resumed: \
             load it into an empty data folder or database"
        );
    }
    let clock = Arc::new(FixedClock::at(at(plan_start(), 8)));
    let audit_key = AuditKey::load(&audit_key::key_path(audit, &storage.data_dir), true)?;
    let audit_keys = audit_key.keyring(audit.audit_retired_keys.as_deref())?;
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        storage: storage.clone(),
        tokens: tokens.clone(),
        audit: audit.clone(),
        // The history is one caller sending fast: no limits (0 is off).
        limits: LimitSettings {
            rate_limit: 0,
            refusal_limit: 0,
            login_failure_limit: 0,
        },
        // It reads nothing back.
        indicators: IndicatorSettings {
            suppression_threshold: 5,
        },
        workers: None,
        body_timeout: StdDuration::from_secs(30),
        metrics_token: None,
    };
    let shared = Shared::new(
        &settings,
        db.clone(),
        keys.clone(),
        audit_keys,
        clock.clone(),
    )?;
    let service = init_service(app(shared)).await;
    let sender = Sender {
        service,
        clock,
        tokens: Tokens::mint(&keys)?,
        sent: Mutex::new(0),
        referrals: Mutex::new(HashMap::new()),
        programmes: Mutex::new(Vec::new()),
    };
    sender.norms().await?;
    let mut moments: BTreeMap<DateTime<Utc>, Vec<Step>> = BTreeMap::new();
    let mut household_months = 0;
    for (household, months) in &households {
        for month in months {
            let day = month.first_day() + Duration::days(1);
            moments
                .entry(at(day, 8))
                .or_default()
                .push(Step::Month(household, *month));
            household_months += 1;
        }
    }
    for r in &referrals {
        moments
            .entry(at(r.referred, 9))
            .or_default()
            .push(Step::Refer(r));
        if let Some((met, next)) = r.then.days() {
            moments.entry(at(met, 10)).or_default().push(Step::Meet(r));
            moments.entry(at(next, 11)).or_default().push(Step::Next(r));
        }
    }
    for (i, p) in PROGRAMMES.iter().enumerate() {
        moments
            .entry(at(p.created, 7))
            .or_default()
            .push(Step::Programme(i));
    }
    for year in [2018, 2019] {
        let day = NaiveDate::from_ymd_opt(year, 1, 15).unwrap_or_default();
        moments
            .entry(at(day, 12))
            .or_default()
            .push(Step::Forecasts(year));
    }
    for (moment, steps) in moments {
        sender.clock.set(moment);
        stream::iter(steps)
            .map(|step| sender.step(step))
            .buffer_unordered(AT_ONCE)
            .try_collect::<Vec<()>>()
            .await?;
    }
    let requests = *sender
        .sent
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?;
    Ok(Report {
        already: false,
        requests,
        households: households.len(),
        household_months,
        referrals: referrals.len(),
    })
}

/// The first moment of the history.
fn plan_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 1, 2).unwrap_or_default()
}

/// `hour` o'clock UTC on `day` (the same day in Sweden).
fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default())
        .and_utc()
}

/// One thing the history does at a moment.
enum Step<'a> {
    /// A household applies for the month, is investigated and granted the
    /// calculation's amount.
    Month(&'a Household, Month),
    /// A person is registered with their consents and referred; Viadidakt
    /// accepts.
    Refer(&'a Referral),
    /// The coach books and holds the first meeting.
    Meet(&'a Referral),
    /// What follows the first meeting: the closure, the programme place
    /// or the subsidised employment.
    Next(&'a Referral),
    Programme(usize),
    Forecasts(i32),
}

/// The tokens of everyone who takes part, for both municipalities.
struct Tokens {
    portal: String,
    case_system: String,
    caseworker: String,
    coach: String,
    af: String,
    admin: String,
}

impl Tokens {
    fn mint(keys: &Keys) -> anyhow::Result<Self> {
        let both = ["0483", "0428"]
            .into_iter()
            .filter_map(Municipality::parse)
            .collect::<Vec<_>>();
        let token = |role: Role, subject: &str| {
            mint(
                keys,
                &MintRequest {
                    subject: subject.to_owned(),
                    role,
                    unit: None,
                    municipalities: both.clone(),
                    ttl: StdDuration::from_secs(3600),
                    client_id: None,
                },
            )
        };
        Ok(Self {
            portal: token(Role::Eservice, "demo-portal")?,
            case_system: token(Role::CaseSystem, "demo-treserva")?,
            caseworker: token(Role::Caseworker, "demo-socialsekreterare")?,
            coach: token(Role::Coach, "demo-coach")?,
            af: token(Role::EmploymentOfficer, "demo-af")?,
            admin: token(Role::Admin, "demo-admin")?,
        })
    }
}

/// A referral as sent: its id, the person's, and its version.
#[derive(Debug, Clone)]
struct Sent {
    id: String,
    version: i64,
}

struct Sender<S> {
    service: S,
    clock: Arc<FixedClock>,
    tokens: Tokens,
    sent: Mutex<usize>,
    referrals: Mutex<HashMap<usize, Sent>>,
    programmes: Mutex<Vec<String>>,
}

const FIRST_K: [&str; 8] = [
    "Anna", "Maria", "Fatima", "Sara", "Emma", "Leila", "Karin", "Amina",
];
const FIRST_M: [&str; 8] = [
    "Erik", "Mohammed", "Johan", "Ali", "Lars", "Ahmed", "Per", "Daniel",
];
const LAST: [&str; 12] = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Hassan",
    "Larsson",
    "Olsson",
    "Persson",
    "Abdi",
    "Svensson",
    "Gustafsson",
];

/// A person of the demo: the `i`th of `sex` born from `from` on, ten a day
/// of each sex (Skatteverket's test series), with a name.
fn person(from: NaiveDate, i: usize, sex: Sex) -> anyhow::Result<Value> {
    let born = from + Duration::days((i / 10) as i64);
    let number = PersonalNumber::test_series(born, sex, (i % 10) as u32)
        .ok_or_else(|| anyhow::anyhow!("no test number for {born}"))?;
    let first = match sex {
        Sex::K => FIRST_K[i % FIRST_K.len()],
        Sex::M => FIRST_M[i % FIRST_M.len()],
    };
    Ok(json!({
        "personal_number": number.as_str(),
        "first_name": first,
        "last_name": LAST[(i / 3) % LAST.len()],
    }))
}

fn born(y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default()
}

fn other(sex: Sex) -> Sex {
    match sex {
        Sex::K => Sex::M,
        Sex::M => Sex::K,
    }
}

impl<S, B> Sender<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    /// Sends a request at the clock's now; the JSON answer, or why not.
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        headers: &[(&str, String)],
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let mut request = TestRequest::default()
            .method(method.clone())
            .uri(path)
            .peer_addr("127.0.0.1:9".parse()?)
            .insert_header(("authorization", format!("Bearer {token}")));
        for (name, value) in headers {
            request = request.insert_header((*name, value.clone()));
        }
        if let Some(body) = body {
            request = request.set_json(body);
        }
        let answer = self
            .service
            .call(request.to_request())
            .await
            .map_err(|e| anyhow::anyhow!("{method} {path}: {e}"))?;
        if let Ok(mut n) = self.sent.lock() {
            *n += 1;
        }
        let status = answer.status();
        let bytes = read_body(answer).await;
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            anyhow::bail!("{method} {path} at {}: {status} {value}", self.clock.now());
        }
        Ok(value)
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(Method::POST, path, token, &[], Some(body)).await
    }

    /// POST with `If-Match` of the referral's version; keeps the new one.
    async fn act(
        &self,
        r: &Referral,
        action: &str,
        token: &str,
        body: &Value,
    ) -> anyhow::Result<()> {
        let sent = self.referral(r)?;
        let path = format!("/api/v1/{}/referrals/{}/{action}", r.municipality, sent.id);
        let tag = format!("\"{}\"", sent.version);
        let answer = self
            .send(Method::POST, &path, token, &[("if-match", tag)], Some(body))
            .await?;
        self.keep(r, &answer)
    }

    fn referral(&self, r: &Referral) -> anyhow::Result<Sent> {
        self.referrals
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .get(&r.index)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("referral {} not sent", r.index))
    }

    fn keep(&self, r: &Referral, answer: &Value) -> anyhow::Result<()> {
        let id = answer["id"].as_str().unwrap_or_default().to_owned();
        let version = answer["version"].as_i64().unwrap_or_default();
        self.referrals
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .insert(r.index, Sent { id, version });
        Ok(())
    }

    /// The published norms of the years the history covers, as an admin
    /// loads them.
    async fn norms(&self) -> anyhow::Result<()> {
        for text in [
            include_str!("../../reference/riksnorm-2017.json"),
            include_str!("../../reference/riksnorm-2018.json"),
            include_str!("../../reference/riksnorm-2019.json"),
        ] {
            let table: Value = serde_json::from_str(text)?;
            self.post("/api/v1/norm-tables", &self.tokens.admin, &table)
                .await?;
        }
        Ok(())
    }

    async fn step(&self, step: Step<'_>) -> anyhow::Result<()> {
        match step {
            Step::Month(household, month) => self.month(household, month).await,
            Step::Refer(r) => self.refer(r).await,
            Step::Meet(r) => self.meet(r).await,
            Step::Next(r) => self.next(r).await,
            Step::Programme(i) => {
                let p = &PROGRAMMES[i];
                let body = json!({ "name": p.name, "kind": "vocational_training",
                    "start_date": p.start.to_string(), "end_date": p.end.to_string(), "places": p.places });
                let created = self
                    .post("/api/v1/0483/programmes", &self.tokens.admin, &body)
                    .await?;
                let id = created["id"].as_str().unwrap_or_default().to_owned();
                let mut programmes = self
                    .programmes
                    .lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?;
                if programmes.len() == i {
                    programmes.push(id);
                }
                Ok(())
            }
            Step::Forecasts(year) => {
                for (indicator, municipality, y, value) in FORECASTS {
                    if y != year {
                        continue;
                    }
                    let body = json!({ "unit": "count", "values": [],
                        "forecasts": [ { "municipality": municipality, "year": y, "value": value } ] });
                    self.send(
                        Method::PUT,
                        &format!("/api/v1/indicators/{indicator}/values"),
                        &self.tokens.admin,
                        &[],
                        Some(&body),
                    )
                    .await?;
                }
                Ok(())
            }
        }
    }

    /// One household-month: the portal's application (its key makes it
    /// once), the case system's investigation, the calculation, and the
    /// decision granting its result.
    async fn month(&self, household: &Household, month: Month) -> anyhow::Result<()> {
        let sex = household.applicant_sex();
        let applicant = person(born(1960), household.index, sex)?;
        let mut body = json!({
            "applicant": applicant,
            "children": household.children.iter().map(|b| json!({ "birth_date": b.to_string() })).collect::<Vec<_>>(),
            "support_month": month.to_string(),
            "channel": "e_service",
            "stated_reasons": [ "unemployed" ],
            "incomes": [ { "kind": "housing_allowance", "applied_amount": "1400.00" } ],
            "expenses": [ { "kind": "rent", "applied_amount": "6400.00" },
                          { "kind": "electricity", "applied_amount": "420.00" } ],
        });
        let mut covered = vec!["applicant".to_owned()];
        let mut adults = vec![json!({ "member": "applicant", "work_capacity_percent": 100,
            "support_obstacle": "unemployed_no_benefit" })];
        if household.partner {
            body["partner"] = person(born(1975), household.index, other(sex))?;
            covered.push("partner".to_owned());
            adults.push(json!({ "member": "partner", "work_capacity_percent": 100,
                "support_obstacle": "unemployed_no_benefit" }));
        }
        covered.extend((1..=household.children.len()).map(|k| format!("child_{k}")));
        let key = format!("demo-{}-{month}", household.index);
        let received = self
            .send(
                Method::POST,
                "/api/v1/0483/applications",
                &self.tokens.portal,
                &[("idempotency-key", key)],
                Some(&body),
            )
            .await?;
        let id = received["id"].as_str().unwrap_or_default().to_owned();
        let path = format!("/api/v1/0483/applications/{id}");
        let cs = &self.tokens.case_system;
        self.send(
            Method::POST,
            &format!("{path}/investigation"),
            cs,
            &[("if-match", "\"1\"".to_owned())],
            None,
        )
        .await?;
        let calculation = self
            .send(Method::GET, &format!("{path}/calculation"), cs, &[], None)
            .await?;
        let decision = json!({
            "outcome": "granted",
            "amount": calculation["result"],
            "period": { "from": month.first_day().to_string(), "to": month.last_day().to_string() },
            "legal_basis": [ "sol_2001_4_1" ],
            "persons_covered": covered,
            "adults": adults,
            "decision_maker": { "user_id": "demo-socialsekreterare", "name": "Anna Andersson",
                                "title": "Socialsekreterare", "delegation": "Delegationsordning 3.1.1" }
        });
        self.send(
            Method::POST,
            &format!("{path}/decision"),
            cs,
            &[("if-match", "\"2\"".to_owned())],
            Some(&decision),
        )
        .await?;
        Ok(())
    }

    /// Registers the person, records their consents in a visit, refers
    /// them (the caseworker, or AF's officer) and Viadidakt accepts.
    async fn refer(&self, r: &Referral) -> anyhow::Result<()> {
        let m = r.municipality;
        let cw = &self.tokens.caseworker;
        let mut who = person(born(1985), r.index, r.sex)?;
        who["address"] = json!({ "street": "Storgatan 1", "postal_code": "641 30",
            "city": if m == "0483" { "Katrineholm" } else { "Vingåker" } });
        let registered = self
            .post(&format!("/api/v1/{m}/applicants"), cw, &who)
            .await?;
        let id = registered["id"].as_str().unwrap_or_default().to_owned();
        let given = (self.clock.now() - Duration::hours(1)).to_rfc3339();
        let mut recipients = vec!["viadidakt"];
        let referrer = match r.source {
            crate::domain::referral::Source::SocialServices => cw,
            crate::domain::referral::Source::EmploymentService => {
                recipients.push("employment_service");
                &self.tokens.af
            }
        };
        for recipient in recipients {
            let consent = json!({ "recipient": recipient, "given_at": given, "channel": "visit",
                "purpose": "Samverkan om planering mot arbete enligt den lokala överenskommelsen" });
            self.post(
                &format!("/api/v1/{m}/applicants/{id}/consents"),
                cw,
                &consent,
            )
            .await?;
        }
        let sent = self
            .post(
                &format!("/api/v1/{m}/referrals"),
                referrer,
                &json!({ "applicant_id": id }),
            )
            .await?;
        self.keep(r, &sent)?;
        self.act(r, "accept", &self.tokens.coach, &json!({})).await
    }

    /// The first meeting, booked for now and held.
    async fn meet(&self, r: &Referral) -> anyhow::Result<()> {
        let now = self.clock.now().to_rfc3339();
        let coach = &self.tokens.coach;
        self.act(r, "first-meeting", coach, &json!({ "scheduled_at": now }))
            .await?;
        let held = json!({ "held_at": now, "mapping": {
            "education_level": "upper_secondary", "work_experience": "Lager och service.",
            "languages": ["sv"], "driving_licence": false, "af_answer": "no_plan" } });
        self.act(r, "first-meeting", coach, &held).await
    }

    /// What follows the referral's first meeting.
    async fn next(&self, r: &Referral) -> anyhow::Result<()> {
        match &r.then {
            Then::Nothing => Ok(()),
            Then::Closed {
                closed, outcome, ..
            } => {
                let body = json!({ "outcome": outcome.as_str(), "closed_on": closed.to_string() });
                self.act(r, "close", &self.tokens.coach, &body).await
            }
            Then::Programme { programme, .. } => {
                let p = &PROGRAMMES[*programme];
                let id = self
                    .programmes
                    .lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?
                    .get(*programme)
                    .cloned()
                    .ok_or_else(|| anyhow::anyhow!("programme {} not created", p.name))?;
                let body = json!({ "kind": "vocational_training", "placement": "viadidakt_own",
                    "extent_percent": 100, "start_date": p.start.to_string(),
                    "end_date": p.end.to_string(), "programme_id": id });
                self.intervention(r, &body).await
            }
            Then::Employed { starts, .. } => {
                let body = json!({ "kind": "subsidised_employment", "subtype": "introduktionsjobb",
                    "placement": "municipal", "extent_percent": 100, "start_date": starts.to_string(),
                    "monthly_cost": "24000.00", "monthly_subsidy": "19200.00",
                    "af_assessment": { "assessed_on": self.clock.today().to_string(), "qualifies": true } });
                self.intervention(r, &body).await
            }
        }
    }

    async fn intervention(&self, r: &Referral, body: &Value) -> anyhow::Result<()> {
        let sent = self.referral(r)?;
        let path = format!(
            "/api/v1/{}/referrals/{}/interventions",
            r.municipality, sent.id
        );
        self.post(&path, &self.tokens.coach, body).await?;
        Ok(())
    }
}
