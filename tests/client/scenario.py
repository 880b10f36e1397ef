"""The portal-to-case-system flow, driven only through a Python client
generated from the committed contract (openapi/openapi.json) with
openapi-python-client: no hand-written JSON, no hand-written URLs. Every
answer must parse into the model the contract names for it.

Run by tests/contract/run.sh; as a worked example for integrators, it is
also the shortest complete use of the API:

    BISTAND_URL=http://127.0.0.1:8080 \\
    PORTAL_CLIENT_ID=... PORTAL_CLIENT_SECRET=... \\
    CASE_CLIENT_ID=... CASE_CLIENT_SECRET=... \\
    CASEWORKER_TOKEN=... AUDITOR_TOKEN=... ANALYST_TOKEN=... \\
    python3 tests/client/scenario.py
"""

import datetime
import decimal
import os
import sys
import uuid

from bistand_client import AuthenticatedClient, Client
from bistand_client.api.applicants import export_applicant, search_applicants
from bistand_client.api.applications import (
    assess_application,
    create_application,
    get_calculation,
    create_payment,
    decide_application,
    get_application,
    list_payments,
    start_investigation,
)
from bistand_client.api.decisions import get_decision, replace_decision
from bistand_client.api.audit import verify_audit_log
from bistand_client.api.auth import create_token
from bistand_client.api.consents import create_consent
from bistand_client.api.events import list_events
from bistand_client.api.indicators import get_indicator_values, list_indicators
from bistand_client.api.programmes import create_programme, list_participants
from bistand_client.api.referrals import (
    accept_referral,
    close_referral,
    create_intervention,
    create_referral,
    establish_plan,
    record_first_meeting,
)
from bistand_client.models import (
    Gender,
    IndicatorList,
    IndicatorValues,
    ValueStatus,
    Applicant,
    Application,
    ApplicationView,
    Channel,
    Consent,
    ConsentBody,
    ConsentChannel,
    AdultAssessmentBody,
    ApprovalBody,
    AssessmentBody,
    CalculationView,
    ChildBody,
    Decision,
    DecisionBody,
    DecisionMakerBody,
    EventPage,
    EventType,
    ExpenseKind,
    ExpenseLineBody,
    GrantType,
    IncomeKind,
    IncomeLineBody,
    NewApplicationBody,
    LegalBasisCode,
    MemberRole,
    Outcome,
    Payment,
    PaymentBody,
    PaymentList,
    PayeeBody,
    PayeeKind,
    PeriodBody,
    PersonByNumber,
    Recipient,
    ReplacementBody,
    ReplacementGround,
    RegisterExtract,
    SearchBody,
    StatedReason,
    Status,
    SupportObstacle,
    TokenRequest,
    TokenResponse,
    Verification,
    AcceptBody,
    AfAnswer,
    AfAssessmentBody,
    CloseBody,
    CloseOutcome,
    EducationLevel,
    EmploymentSubtype,
    FirstMeetingBody,
    Intervention,
    InterventionBody,
    InterventionKind,
    MappingBody,
    ParticipantList,
    Placement,
    PlanBody,
    PlanParticipant,
    Programme,
    ProgrammeBody,
    Referral,
    ReferralBody,
    ReferralStatus,
)

BASE = os.environ["BISTAND_URL"]
MUNICIPALITY = "0483"
# Skatteverket's published test number, registered by the demo data.
PERSONAL_NUMBER = "19121212-1212"


def check(condition, what):
    if not condition:
        sys.exit(f"scenario failed: {what}")
    print(f"ok  {what}")


def parsed(response, model, status, what):
    check(
        response.status_code == status and isinstance(response.parsed, model),
        f"{what}: {status} {model.__name__} (got {int(response.status_code)} "
        f"{type(response.parsed).__name__})",
    )
    return response.parsed


def client_credentials(client_id, secret, who):
    answer = create_token.sync_detailed(
        client=Client(base_url=BASE, raise_on_unexpected_status=True),
        body=TokenRequest(
            grant_type=GrantType.CLIENT_CREDENTIALS,
            client_id=client_id,
            client_secret=secret,
        ),
    )
    token = parsed(answer, TokenResponse, 200, f"{who} gets a token by client credentials")
    return AuthenticatedClient(base_url=BASE, token=token.access_token, raise_on_unexpected_status=True)


def staff(token):
    return AuthenticatedClient(base_url=BASE, token=token, raise_on_unexpected_status=True)


def main():
    month = datetime.date.today().strftime("%Y-%m")
    portal = client_credentials(os.environ["PORTAL_CLIENT_ID"], os.environ["PORTAL_CLIENT_SECRET"], "the portal")

    # The portal submits the citizen's form, exactly once per key (BR-2).
    form = NewApplicationBody(
        applicant=PersonByNumber(personal_number=PERSONAL_NUMBER, first_name="Tolvan", last_name="Tolvansson"),
        support_month=month,
        channel=Channel.E_SERVICE,
        stated_reasons=[StatedReason.UNEMPLOYED],
        children=[ChildBody(birth_date=datetime.date(2019, 5, 14), days_in_home=15)],
        incomes=[IncomeLineBody(kind=IncomeKind.HOUSING_ALLOWANCE, applied_amount="1200.00", member="applicant")],
        expenses=[
            ExpenseLineBody(kind=ExpenseKind.RENT, applied_amount="6200.00"),
            ExpenseLineBody(kind=ExpenseKind.HOME_INSURANCE, applied_amount="300.00"),
        ],
        message="Jag har sökt arbete men inte fått något.",
    )
    key = str(uuid.uuid4())
    first = create_application.sync_detailed(MUNICIPALITY, client=portal, body=form, idempotency_key=key)
    receipt = parsed(first, Application, 201, "the portal submits an application")
    check(receipt.view == ApplicationView.RECEIPT and receipt.status == Status.RECEIVED, "the portal sees a receipt, status received")
    again = create_application.sync_detailed(MUNICIPALITY, client=portal, body=form, idempotency_key=key)
    replay = parsed(again, Application, 201, "the portal retries the same submission")
    check(replay.id == receipt.id and again.headers.get("idempotent-replayed") == "true", "the retry answers the first application again")

    consent = create_consent.sync_detailed(
        MUNICIPALITY,
        receipt.applicant_id,
        client=portal,
        body=ConsentBody(
            personal_number=PERSONAL_NUMBER,
            recipient=Recipient.EMPLOYMENT_SERVICE,
            purpose="Samverkan om planering mot arbete enligt den lokala överenskommelsen",
            given_at=datetime.datetime.now(datetime.timezone.utc),
            channel=ConsentChannel.E_SERVICE,
        ),
        idempotency_key=str(uuid.uuid4()),
    )
    consent = parsed(consent, Consent, 201, "the portal records the applicant's consent to AF")

    # The case system pulls the change feed until it has seen the application.
    case = client_credentials(os.environ["CASE_CLIENT_ID"], os.environ["CASE_CLIENT_SECRET"], "the case system")
    after, seen = None, False
    while True:
        page = parsed(
            list_events.sync_detailed(MUNICIPALITY, client=case, after=after, limit=100),
            EventPage,
            200,
            f"the case system reads the feed after {after}",
        )
        seen = seen or any(e.type_ == EventType.APPLICATION_CREATED and e.id == str(receipt.id) for e in page.items)
        if not page.items:
            break
        after = page.next_cursor
    check(seen, "the feed reports the new application")

    read = get_application.sync_detailed(MUNICIPALITY, receipt.id, client=case)
    full = parsed(read, Application, 200, "the case system reads the application")
    check(full.view == ApplicationView.FULL and full.incomes[0].kind == IncomeKind.HOUSING_ALLOWANCE, "it sees the full application")
    child = [m for m in full.household if m.role == MemberRole.CHILD][0]
    check(child.member == "child_1" and child.days_in_home == 15, "the household holds the child, half the month at home")
    started = start_investigation.sync_detailed(MUNICIPALITY, receipt.id, client=case, if_match=read.headers["etag"])
    investigating = parsed(started, Application, 200, "it starts the investigation with If-Match")
    check(investigating.status == Status.UNDER_INVESTIGATION, "status under_investigation")
    lines = {line.kind: line.line for line in investigating.expenses}
    assessed = assess_application.sync_detailed(
        MUNICIPALITY,
        receipt.id,
        client=case,
        body=AssessmentBody(lines=[
            ApprovalBody(line=investigating.incomes[0].line, approved_amount="1200.00"),
            ApprovalBody(line=lines[ExpenseKind.RENT], approved_amount="6200.00"),
            ApprovalBody(line=lines[ExpenseKind.HOME_INSURANCE], approved_amount="0.00"),
        ]),
        if_match=started.headers["etag"],
    )
    assessed_app = parsed(assessed, Application, 200, "the caseworker's assessment is recorded with If-Match")
    check(
        [e.approved_amount for e in assessed_app.expenses] == ["6200.00", "0.00"],
        "rent approved, home insurance not",
    )
    first_day = datetime.date.today().replace(day=1)
    last_day = (first_day + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    maker = DecisionMakerBody(user_id="anna.andersson", name="Anna Andersson", title="Socialsekreterare", delegation="Delegationsordning 3.1.1")

    calculation = parsed(
        get_calculation.sync_detailed(MUNICIPALITY, receipt.id, client=case),
        CalculationView,
        200,
        "it reads the norm calculation",
    )
    child_line = [line for line in calculation.lines if line.members == ["child_1"]][0]
    check("15 av 30 dagar" in child_line.explanation, "the child's costs count the days at home, explained")
    granted = calculation.result
    reconsidered = str(decimal.Decimal(granted) + decimal.Decimal("300.00"))

    def document(outcome, amount, reasons, deviation=None):
        return DecisionBody(
            outcome=outcome,
            amount=amount,
            period=PeriodBody(from_=first_day, to=last_day),
            legal_basis=[LegalBasisCode.SOL_2025_12_1, LegalBasisCode.SOL_2025_12_7],
            reasons=reasons,
            persons_covered=["applicant", "child_1"],
            adults=[AdultAssessmentBody(member="applicant", work_capacity_percent=50, support_obstacle=SupportObstacle.UNEMPLOYED_NO_BENEFIT)],
            decision_maker=maker,
            deviation_reason=deviation,
        )

    decided = decide_application.sync_detailed(
        MUNICIPALITY,
        receipt.id,
        client=case,
        body=document(Outcome.PARTIALLY_REJECTED, granted, "Hemförsäkringen ingår i hyran och beviljas inte."),
        if_match=assessed.headers["etag"],
    )
    decided = parsed(decided, Application, 200, "it decides with If-Match")
    check(
        decided.status == Status.DECIDED and decided.decision.outcome == Outcome.PARTIALLY_REJECTED,
        f"partially rejected: {granted} granted, the calculation's amount",
    )
    check(
        decided.decision.appeal.appealable and decided.decision.appeal.within_weeks == 3
        and decided.decision.legal_basis[0].citation == "12 kap. 1 § socialtjänstlagen (2025:400)",
        "the decision names its legal basis and how to appeal within three weeks",
    )
    check(decided.decision.decision_maker.user_id == "anna.andersson", "the decision names the caseworker the case system acts for")
    replaced = replace_decision.sync_detailed(
        MUNICIPALITY,
        decided.decision.id,
        client=case,
        body=ReplacementBody(
            ground=ReplacementGround.RECONSIDERATION,
            reason="Hyresavtalet visar att hemförsäkringen inte ingår i hyran.",
            decision=document(
                Outcome.GRANTED, reconsidered, None, "Hemförsäkringen ingår inte i hyran och godkänns vid omprövningen."
            ),
        ),
    )
    replacement = parsed(replaced, Decision, 201, "the committee reconsiders: a new decision replaces the first")
    check(replacement.replaces.decision_id == decided.decision.id, "the new decision names the one it replaces")
    first = parsed(
        get_decision.sync_detailed(MUNICIPALITY, decided.decision.id, client=case),
        Decision,
        200,
        "the replaced decision is kept",
    )
    check(first.replaced_by == replacement.id and first.amount == granted, "and names its replacement")
    payment = create_payment.sync_detailed(
        MUNICIPALITY,
        client=case,
        body=PaymentBody(
            application_id=receipt.id,
            support_month=month,
            amount=reconsidered,
            paid_on=datetime.date.today(),
            payee=PayeeBody(kind=PayeeKind.APPLICANT),
        ),
        idempotency_key=str(uuid.uuid4()),
    )
    payment = parsed(payment, Payment, 201, "it records the payment, once per Idempotency-Key")
    ledger = parsed(
        list_payments.sync_detailed(MUNICIPALITY, receipt.id, client=case),
        PaymentList,
        200,
        "it reads the application's payments",
    )
    check(ledger.granted == reconsidered and ledger.paid == reconsidered, "paid what the decision in force grants")

    # The portal shows the citizen the decision.
    notice = parsed(
        get_application.sync_detailed(MUNICIPALITY, receipt.id, client=portal),
        Application,
        200,
        "the portal reads its application again",
    )
    check(
        notice.decision_notice.outcome == Outcome.GRANTED and notice.decision_notice.amount == reconsidered,
        f"the portal sees the decision in force: granted {reconsidered}",
    )
    check(notice.decision_notice.appeal.lodge_with == "socialnämnden", "with the notice of how to appeal")

    # A caseworker finds the person and takes the register extract.
    caseworker = staff(os.environ["CASEWORKER_TOKEN"])
    person = parsed(
        search_applicants.sync_detailed(MUNICIPALITY, client=caseworker, body=SearchBody(personal_number=PERSONAL_NUMBER)),
        Applicant,
        200,
        "a caseworker finds the person by personal number",
    )
    check(person.id == receipt.applicant_id, "the person is the portal's applicant")
    extract = parsed(
        export_applicant.sync_detailed(MUNICIPALITY, person.id, client=caseworker),
        RegisterExtract,
        200,
        "the caseworker takes the register extract",
    )
    check(any(a.id == receipt.id for a in extract.applications), "the extract holds the application")
    check(any(p.id == payment.id for p in extract.payments), "the extract holds the payment")
    check(any(c.id == consent.id for c in extract.consents), "the extract holds the consent")
    check(len(extract.accesses) > 0, "the extract says who read the data")

    labour_market(receipt, caseworker)
    indicators(caseworker, month)

    # An auditor verifies the audit log.
    auditor = staff(os.environ["AUDITOR_TOKEN"])
    verification = parsed(verify_audit_log.sync_detailed(client=auditor), Verification, 200, "an auditor verifies the audit log")
    check(verification.valid, f"the audit chain is whole ({verification.records_checked} records)")


def indicators(caseworker, month):
    """A BI tool pulls volume indicators: the catalogue, values as JSON
    (small counts suppressed for the analyst, as counted for a
    caseworker), the same rows as CSV, and Kolada's shape through a Kolada
    client library pointed at /kolada/v3/."""
    analyst = staff(os.environ["ANALYST_TOKEN"])
    catalogue = parsed(list_indicators.sync_detailed(client=analyst), IndicatorList, 200, "an analyst reads the indicator catalogue")
    check(any(i.id == "applications-received" for i in catalogue.items), "the catalogue lists applications received")
    ids = "applications-received,via-subsidised-employments-started"
    year = month[:4]
    seen = parsed(
        get_indicator_values.sync_detailed(ids, client=caseworker, municipality=MUNICIPALITY, period=f"{month},{year}"),
        IndicatorValues, 200, "a caseworker reads indicator values",
    )
    def total(values, indicator, period):
        item = next(i for i in values.items if i.indicator == indicator and i.period == period)
        return next(c for c in item.values if c.sex == Gender.T)
    received = total(seen, "applications-received", month)
    check(received.value is not None and received.value >= 1, f"the application counts at once ({received.value} this month)")
    check(total(seen, "via-subsidised-employments-started", month).value >= 1, "so does the subsidised employment")
    hidden = parsed(
        get_indicator_values.sync_detailed("via-subsidised-employments-started", client=analyst, municipality=MUNICIPALITY, period=month),
        IndicatorValues, 200, "an analyst reads the same values",
    )
    cell = total(hidden, "via-subsidised-employments-started", month)
    check(cell.value is None and cell.status == ValueStatus.SUPPRESSED, "a count of 1-4 is suppressed for the analyst")

    csv = analyst.get_httpx_client().get(
        f"/api/v1/indicators/{ids}/values",
        params={"municipality": MUNICIPALITY, "period": f"{month},{year}"},
        headers={"Accept": "text/csv"},
    )
    lines = csv.text.splitlines()
    check(
        csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        and lines[0] == "indicator,municipality,period,sex,value,status,forecast,previous_period_value,updated_at"
        and len(lines) == 1 + 2 * 3 * 2,
        f"the same values as CSV, a line per cell ({len(lines) - 1} lines)",
    )

    from koladapy import KoladaAPI

    kolada = KoladaAPI(base_url=f"{BASE}/kolada/v3/")
    kolada.session.headers["Authorization"] = f"Bearer {os.environ['CASEWORKER_TOKEN']}"
    rows = kolada.get_values(kpi_id="applications-received", municipality_id=[MUNICIPALITY], years=[int(year)])
    check(len(rows) == 1 and rows[0]["period"] == int(year), "a Kolada client library reads the year's row")
    kolada_total = next(v for v in rows[0]["values"] if v["gender"] == "T")
    year_total = total(seen, "applications-received", year)
    check(kolada_total["value"] == year_total.value, f"Kolada's value is the native one ({year_total.value})")
    kpi = kolada.get_kpi("via-participants-referred-by-soc")
    check(kpi["is_divided_by_gender"] is True, "Kolada's key figure says it is split by sex")


def swedish_today():
    """Today's civil date in Sweden, as the service counts its dates."""
    try:
        from zoneinfo import ZoneInfo

        return datetime.datetime.now(ZoneInfo("Europe/Stockholm")).date()
    except Exception:  # no time zone data: UTC is a day off at most near midnight
        return datetime.datetime.now(datetime.timezone.utc).date()


def labour_market(receipt, caseworker):
    """Decided with 50 % work capacity, the person meets a coach within a
    week (BR-5): refer with consent, accept, book and hold the first
    meeting, agree the plan, place her on a programme, add a subsidised
    employment with AF's assessment, close with work_subsidised."""
    today = swedish_today()
    now = datetime.datetime.now(datetime.timezone.utc)
    consent = create_consent.sync_detailed(
        MUNICIPALITY,
        receipt.applicant_id,
        client=caseworker,
        body=ConsentBody(
            recipient=Recipient.VIADIDAKT,
            purpose="Stöd mot arbete hos Viadidakt",
            given_at=now,
            channel=ConsentChannel.VISIT,
        ),
    )
    parsed(consent, Consent, 201, "the caseworker records the consent to Viadidakt")
    sent = create_referral.sync_detailed(
        MUNICIPALITY,
        client=caseworker,
        body=ReferralBody(applicant_id=receipt.applicant_id, application_id=receipt.id, note="Vill arbeta inom vården."),
    )
    referral = parsed(sent, Referral, 201, "the caseworker refers her to Viadidakt")
    applied = receipt.received_at.astimezone(datetime.timezone.utc).date()
    check(
        referral.status == ReferralStatus.SENT and referral.first_meeting_due is not None
        and (referral.first_meeting_due - applied).days in (7, 8),
        f"the first meeting is due within a week of the application ({referral.first_meeting_due})",
    )
    coach = staff(os.environ["COACH_TOKEN"])
    answer = accept_referral.sync_detailed(
        MUNICIPALITY, referral.id, client=coach, body=AcceptBody(), if_match=sent.headers["etag"]
    )
    parsed(answer, Referral, 200, "a coach accepts it with If-Match")
    answer = record_first_meeting.sync_detailed(
        MUNICIPALITY, referral.id, client=coach, body=FirstMeetingBody(scheduled_at=now), if_match=answer.headers["etag"]
    )
    parsed(answer, Referral, 200, "the coach books the first meeting")
    mapping = MappingBody(
        education_level=EducationLevel.UPPER_SECONDARY,
        work_experience="Lokalvård 2019–2023.",
        languages=["sv"],
        driving_licence=False,
        af_answer=AfAnswer.NOT_REGISTERED,
        af_registration_guidance=True,
    )
    answer = record_first_meeting.sync_detailed(
        MUNICIPALITY,
        referral.id,
        client=coach,
        body=FirstMeetingBody(held_at=datetime.datetime.now(datetime.timezone.utc), mapping=mapping),
        if_match=answer.headers["etag"],
    )
    held = parsed(answer, Referral, 200, "the coach records it held, with the mapping")
    check(held.status == ReferralStatus.FIRST_MEETING_HELD and held.days_late is None, "held inside the week")
    answer = establish_plan.sync_detailed(
        MUNICIPALITY,
        referral.id,
        client=caseworker,
        body=PlanBody(
            agreed_on=today,
            participants=[PlanParticipant.PERSON, PlanParticipant.CASEWORKER, PlanParticipant.COACH],
            goals=["Förberedande vårdutbildning"],
            next_follow_up=today + datetime.timedelta(days=14),
        ),
        if_match=answer.headers["etag"],
    )
    planned = parsed(answer, Referral, 200, "the caseworker records the three-party plan")
    check(planned.status == ReferralStatus.PLAN_ESTABLISHED, "status plan_established")
    programme = parsed(
        create_programme.sync_detailed(
            MUNICIPALITY,
            client=coach,
            body=ProgrammeBody(name="Korta vårdspåret", kind=InterventionKind.VOCATIONAL_TRAINING, start_date=today, places=12),
        ),
        Programme,
        201,
        "the coach creates a programme",
    )
    parsed(
        create_intervention.sync_detailed(
            MUNICIPALITY,
            referral.id,
            client=coach,
            body=InterventionBody(
                kind=InterventionKind.VOCATIONAL_TRAINING,
                placement=Placement.VIADIDAKT_OWN,
                extent_percent=100,
                start_date=today,
                programme_id=programme.id,
            ),
        ),
        Intervention,
        201,
        "the coach places her on the programme",
    )
    participants = parsed(
        list_participants.sync_detailed(MUNICIPALITY, programme.id, client=coach),
        ParticipantList,
        200,
        "the coach lists the programme's participants",
    )
    check(participants.items[0].applicant_id == receipt.applicant_id, "she is on the programme")
    job = parsed(
        create_intervention.sync_detailed(
            MUNICIPALITY,
            referral.id,
            client=coach,
            body=InterventionBody(
                kind=InterventionKind.SUBSIDISED_EMPLOYMENT,
                subtype=EmploymentSubtype.INTRODUKTIONSJOBB,
                placement=Placement.MUNICIPAL,
                extent_percent=100,
                start_date=today,
                monthly_cost="26000.00",
                monthly_subsidy="20800.00",
                af_assessment=AfAssessmentBody(assessed_on=today, qualifies=True),
            ),
        ),
        Intervention,
        201,
        "the coach adds a subsidised employment with AF's assessment",
    )
    check(job.monthly_subsidy == "20800.00", "the subsidy is SEK as a string")
    answer = close_referral.sync_detailed(
        MUNICIPALITY,
        referral.id,
        client=coach,
        body=CloseBody(outcome=CloseOutcome.WORK_SUBSIDISED, closed_on=today),
        if_match=answer.headers["etag"],
    )
    closed = parsed(answer, Referral, 200, "the coach closes the referral")
    check(
        closed.status == ReferralStatus.CLOSED and closed.outcome == CloseOutcome.WORK_SUBSIDISED
        and len(closed.interventions) == 2,
        "closed with work_subsidised, two interventions",
    )


if __name__ == "__main__":
    main()
