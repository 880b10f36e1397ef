//! Every operation, registered once: the list below gives both the routes
//! the service answers and the paths of its contract, each read from the
//! handler's own `#[utoipa::path]`. An operation cannot exist outside the
//! contract, nor the contract name one that is not served.

use std::collections::BTreeMap;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::RefOr;
use utoipa::openapi::path::{HttpMethod, Operation, Paths};
use utoipa::openapi::schema::Schema;

use super::{
    agreements, applicants, applications, audit, consents, decisions, employment_status, events,
    indicators, kolada, labour_market, norms, oauth, ops, payments, problems, programmes,
    referrals,
};
use crate::error::AppError;

/// One operation: where and how it is served, what the contract says of it,
/// and how to register its handler.
pub struct Route {
    pub path: String,
    pub methods: Vec<HttpMethod>,
    pub operation: Operation,
    schemas: fn(&mut Vec<(String, RefOr<Schema>)>),
    register: fn(actix_web::Resource, Method) -> actix_web::Resource,
}

/// Lists handlers, each by its module and name, as routes.
macro_rules! operations {
    ($($($module:ident)::+ => $name:ident),+ $(,)?) => {
        paste::paste! {
            /// Every operation of the service.
            pub fn all() -> Vec<Route> {
                vec![$(
                    Route {
                        path: <$($module)::+::[<__path_ $name>] as utoipa::Path>::path(),
                        methods: <$($module)::+::[<__path_ $name>] as utoipa::Path>::methods(),
                        operation: {
                            let mut operation =
                                <$($module)::+::[<__path_ $name>] as utoipa::Path>::operation();
                            let tags = <$($module)::+::[<__path_ $name>] as utoipa::__dev::Tags>::tags();
                            operation.tags = Some(tags.into_iter().map(str::to_owned).collect());
                            operation
                        },
                        schemas: <$($module)::+::[<__path_ $name>] as utoipa::__dev::SchemaReferences>::schemas,
                        register: |resource, method| resource.route(web::method(method).to($($module)::+::$name)),
                    }
                ),+]
            }
        }
    };
}

operations! {
    oauth => post_token,
    oauth => get_jwks,
    ops => get_live,
    ops => get_ready,
    ops => get_metrics,
    problems => get_problem_type,
    audit => get_verification,
    audit => list_audit_records,
    audit => search_audit_records,
    audit => get_audit_report,
    applicants => create_applicant,
    applicants => list_applicants,
    applicants => get_applicant,
    applicants => patch_applicant,
    applicants => search_applicants,
    applicants::export => export_applicant,
    applicants::identity => get_personal_numbers,
    applicants::identity => replace_personal_number,
    labour_market => get_labour_market_view,
    consents => create_consent,
    consents => list_consents,
    consents => revoke_consent,
    applications => create_application,
    applications => list_applications,
    applications => get_application,
    applications::actions => start_investigation,
    applications::actions => decide_application,
    applications::actions => withdraw_application,
    applications::assessment => assess_application,
    applications::calculation => get_calculation,
    norms => load_norm_table,
    norms => list_norm_tables,
    indicators => list_indicators,
    indicators => get_indicator,
    indicators::values => get_indicator_values,
    indicators::report => put_indicator_values,
    kolada => list_kolada_kpis,
    kolada => get_kolada_kpis,
    kolada => list_kolada_municipalities,
    kolada => get_kolada_municipalities,
    kolada => get_kolada_data_by_path,
    kolada => get_kolada_data,
    kolada => get_kolada_data_slash,
    decisions => get_decision,
    decisions => replace_decision,
    decisions => list_person_decisions,
    decisions::claims => create_decision,
    payments => create_payment,
    payments => list_payments,
    employment_status => get_employment_status,
    employment_status => put_employment_status,
    referrals => create_referral,
    referrals => list_referrals,
    referrals => get_referral,
    referrals::moves => accept_referral,
    referrals::moves => decline_referral,
    referrals::moves => withdraw_referral,
    referrals::moves => record_first_meeting,
    referrals::moves => close_referral,
    referrals::plan => establish_plan,
    referrals::interventions => create_intervention,
    referrals::interventions => patch_intervention,
    programmes => create_programme,
    programmes => list_programmes,
    programmes => get_programme,
    programmes => patch_programme,
    programmes => list_participants,
    agreements => create_agreement,
    agreements => list_agreements,
    agreements => get_agreement,
    agreements::meetings => create_meeting,
    agreements::meetings => list_meetings,
    events => list_events,
}

fn method(m: &HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// Registers every route. Each path answers the methods it lacks with 405
/// and `Allow`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut by_path: BTreeMap<String, Vec<Route>> = BTreeMap::new();
    for route in all() {
        by_path.entry(route.path.clone()).or_default().push(route);
    }
    for (path, routes) in by_path {
        let mut resource = web::resource(path);
        let mut allowed = Vec::new();
        for route in &routes {
            for m in &route.methods {
                let m = method(m);
                allowed.push(m.as_str().to_owned());
                resource = (route.register)(resource, m);
            }
        }
        const ORDER: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
        allowed.sort_by_key(|m| ORDER.iter().position(|o| o == m));
        let allow = allowed.join(", ");
        resource = resource.default_service(web::to(move || {
            let allow = allow.clone();
            async move { Err::<HttpResponse, _>(AppError::MethodNotAllowed(allow)) }
        }));
        cfg.service(resource);
    }
}

/// The contract's paths, from the same list.
pub fn paths() -> Paths {
    let mut paths = Paths::new();
    for route in all() {
        paths.add_path_operation(&route.path, route.methods.clone(), route.operation.clone());
    }
    paths
}

/// The schemas the operations refer to.
pub fn schemas() -> Vec<(String, RefOr<Schema>)> {
    let mut schemas = Vec::new();
    for route in all() {
        (route.schemas)(&mut schemas);
    }
    schemas
}

/// The answer for paths no route matches.
pub async fn no_route(_req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
