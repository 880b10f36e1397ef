//! Links between operations (OpenAPI 3.1 §4.8.20).

/// Links from an operation's answer to the operations that take what it
/// returns (OpenAPI 3.1 §4.8.20), so a client, a code generator or a
/// stateful test can follow a resource from its creation:
/// `(from operation, status, link name, to operation, parameters)`; a
/// parameter is `(name as in the target, runtime expression)`.
type LinkRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const SAME_MUNICIPALITY: (&str, &str) = ("municipality", "$request.path.municipality");
const BODY_ID: (&str, &str) = ("id", "$response.body#/id");
const ETAG: (&str, &str) = ("If-Match", "$response.header.ETag");

const LINKS: &[LinkRow] = &[
    (
        "create_applicant",
        "201",
        "GetApplicant",
        "get_applicant",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_applicant",
        "201",
        "PatchApplicant",
        "patch_applicant",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "create_applicant",
        "201",
        "ExportApplicant",
        "export_applicant",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_applicant",
        "201",
        "ListConsents",
        "list_consents",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_applicant",
        "201",
        "CreateConsent",
        "create_consent",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_applicant",
        "201",
        "ListApplications",
        "list_applications",
        &[SAME_MUNICIPALITY, ("applicant_id", "$response.body#/id")],
    ),
    (
        "search_applicants",
        "200",
        "GetApplicant",
        "get_applicant",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "search_applicants",
        "200",
        "PatchApplicant",
        "patch_applicant",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "search_applicants",
        "200",
        "CreateConsent",
        "create_consent",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "get_applicant",
        "200",
        "PatchApplicant",
        "patch_applicant",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "get_applicant",
        "200",
        "ExportApplicant",
        "export_applicant",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "get_applicant",
        "200",
        "ListConsents",
        "list_consents",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "patch_applicant",
        "200",
        "GetApplicant",
        "get_applicant",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_consent",
        "201",
        "RevokeConsent",
        "revoke_consent",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_consent",
        "201",
        "ListConsents",
        "list_consents",
        &[SAME_MUNICIPALITY, ("id", "$response.body#/applicant_id")],
    ),
    (
        "create_application",
        "201",
        "GetApplication",
        "get_application",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_application",
        "201",
        "StartInvestigation",
        "start_investigation",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "create_application",
        "201",
        "WithdrawApplication",
        "withdraw_application",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "get_application",
        "200",
        "StartInvestigation",
        "start_investigation",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "get_application",
        "200",
        "DecideApplication",
        "decide_application",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "get_application",
        "200",
        "WithdrawApplication",
        "withdraw_application",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "start_investigation",
        "200",
        "DecideApplication",
        "decide_application",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "start_investigation",
        "200",
        "WithdrawApplication",
        "withdraw_application",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "decide_application",
        "200",
        "GetApplication",
        "get_application",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "get_applicant",
        "200",
        "GetEmploymentStatus",
        "get_employment_status",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "put_employment_status",
        "200",
        "GetApplicant",
        "get_applicant",
        &[SAME_MUNICIPALITY, ("id", "$response.body#/applicant_id")],
    ),
    (
        "create_referral",
        "201",
        "GetReferral",
        "get_referral",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_referral",
        "201",
        "AcceptReferral",
        "accept_referral",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "create_referral",
        "201",
        "DeclineReferral",
        "decline_referral",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "create_referral",
        "201",
        "WithdrawReferral",
        "withdraw_referral",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "get_referral",
        "200",
        "AcceptReferral",
        "accept_referral",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "get_referral",
        "200",
        "RecordFirstMeeting",
        "record_first_meeting",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "get_referral",
        "200",
        "CloseReferral",
        "close_referral",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "accept_referral",
        "200",
        "RecordFirstMeeting",
        "record_first_meeting",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "accept_referral",
        "200",
        "CloseReferral",
        "close_referral",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "record_first_meeting",
        "200",
        "RecordFirstMeetingAgain",
        "record_first_meeting",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "record_first_meeting",
        "200",
        "CloseReferral",
        "close_referral",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "create_programme",
        "201",
        "GetProgramme",
        "get_programme",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_programme",
        "201",
        "PatchProgramme",
        "patch_programme",
        &[SAME_MUNICIPALITY, BODY_ID, ETAG],
    ),
    (
        "create_programme",
        "201",
        "ListParticipants",
        "list_participants",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_agreement",
        "201",
        "GetAgreement",
        "get_agreement",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_agreement",
        "201",
        "ListMeetings",
        "list_meetings",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "create_agreement",
        "201",
        "CreateMeeting",
        "create_meeting",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
    (
        "get_applicant",
        "200",
        "GetLabourMarketView",
        "get_labour_market_view",
        &[SAME_MUNICIPALITY, BODY_ID],
    ),
];

/// Adds the links of [`LINKS`] to the contract. They are added to the JSON
/// document, because utoipa writes a link's `operationId` as `operation_id`.
pub(super) fn add(document: &mut serde_json::Value) {
    for (from, status, name, to, parameters) in LINKS {
        let parameters: serde_json::Map<String, serde_json::Value> = parameters
            .iter()
            .map(|(p, e)| ((*p).to_owned(), serde_json::Value::from(*e)))
            .collect();
        for op in super::operations_mut(document) {
            if op["operationId"] == *from
                && let Some(response) = op["responses"][*status].as_object_mut()
            {
                let links = response
                    .entry("links")
                    .or_insert_with(|| serde_json::json!({}));
                links[*name] = serde_json::json!({
                    "operationId": to,
                    "parameters": parameters.clone(),
                });
            }
        }
    }
}

/// The link table's rows, for the contract test that every one is in place.
pub fn link_names() -> Vec<(&'static str, &'static str, &'static str)> {
    LINKS
        .iter()
        .map(|(from, status, name, ..)| (*from, *status, *name))
        .collect()
}
