//! One portable schema for both backends (kept by hand, matching `migrations/`).

diesel::table! {
    applicants (municipality, id) {
        municipality -> Text,
        id -> Text,
        personal_number -> Text,
        sex -> Text,
        first_name -> Text,
        last_name -> Text,
        protected_identity -> Bool,
        street -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        city -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_clients (client_id) {
        client_id -> Text,
        name -> Text,
        secret_hash -> Text,
        role -> Text,
        unit -> Text,
        municipalities -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor -> Text,
        role -> Text,
        action -> Text,
        resource_type -> Text,
        resource_id -> Nullable<Text>,
        municipality -> Nullable<Text>,
        person_id -> Nullable<Text>,
        request_id -> Text,
        outcome -> Text,
        prev_hash -> Text,
        hash -> Text,
        correlation_id -> Nullable<Text>,
    }
}

diesel::table! {
    audit_checkpoints (seq) {
        seq -> BigInt,
        hash -> Text,
        signed_at -> Timestamp,
        key_id -> Text,
        signature -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    applications (municipality, id) {
        municipality -> Text,
        id -> Text,
        receipt_number -> Text,
        applicant_id -> Text,
        co_applicant_id -> Nullable<Text>,
        children -> Text,
        support_month -> Text,
        channel -> Text,
        reasons_for_need -> Text,
        message -> Nullable<Text>,
        status -> Text,
        submitted_by -> Text,
        submitted_role -> Text,
        received_at -> Timestamp,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        name_mismatch -> Nullable<Text>,
    }
}

diesel::table! {
    application_items (municipality, application_id, line_no) {
        municipality -> Text,
        application_id -> Text,
        line_no -> Integer,
        direction -> Text,
        kind -> Text,
        amount_ore -> BigInt,
        member -> Text,
        source -> Text,
        approved_ore -> Nullable<BigInt>,
    }
}

diesel::table! {
    receipt_sequences (municipality, year) {
        municipality -> Text,
        year -> Integer,
        last_value -> BigInt,
    }
}

diesel::table! {
    decisions (municipality, id) {
        municipality -> Text,
        id -> Text,
        kind -> Text,
        applicant_id -> Text,
        application_id -> Nullable<Text>,
        outcome -> Text,
        amount_ore -> BigInt,
        reasons -> Nullable<Text>,
        legal_basis -> Text,
        period_from -> Date,
        period_to -> Date,
        support_month -> Nullable<Text>,
        persons_covered -> Nullable<Text>,
        decision_maker_id -> Nullable<Text>,
        decision_maker_name -> Nullable<Text>,
        decision_maker_title -> Nullable<Text>,
        delegation -> Nullable<Text>,
        decided_by -> Text,
        decided_at -> Timestamp,
        replaces -> Nullable<Text>,
        replacement_ground -> Nullable<Text>,
        replacement_reason -> Nullable<Text>,
        norm_year -> Nullable<Integer>,
        norm_revision -> Nullable<Integer>,
        calculated_ore -> Nullable<BigInt>,
        deviation_reason -> Nullable<Text>,
        concerns -> Nullable<Text>,
    }
}

diesel::table! {
    decision_adults (municipality, decision_id, member) {
        municipality -> Text,
        decision_id -> Text,
        member -> Text,
        applicant_id -> Text,
        work_capacity_percent -> Integer,
        support_obstacle -> Nullable<Text>,
    }
}

diesel::table! {
    household_members (municipality, application_id, member) {
        municipality -> Text,
        application_id -> Text,
        member -> Text,
        position -> Integer,
        role -> Text,
        applicant_id -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        personal_number -> Nullable<Text>,
        days_in_home -> Nullable<Integer>,
        school_status -> Nullable<Text>,
        preschool_lunch -> Nullable<Bool>,
    }
}

diesel::table! {
    payments (municipality, id) {
        municipality -> Text,
        id -> Text,
        application_id -> Text,
        support_month -> Text,
        amount_ore -> BigInt,
        paid_on -> Date,
        created_by -> Text,
        created_at -> Timestamp,
        reason -> Nullable<Text>,
        decision_id -> Nullable<Text>,
        payee_kind -> Text,
        payee_name -> Nullable<Text>,
        payee_reference -> Nullable<Text>,
    }
}

diesel::table! {
    consents (municipality, id) {
        municipality -> Text,
        id -> Text,
        applicant_id -> Text,
        recipient -> Text,
        purpose -> Text,
        given_at -> Timestamp,
        channel -> Text,
        recorded_by -> Text,
        recorded_role -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
        version -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (client, idempotency_key) {
        client -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status_code -> Integer,
        location -> Nullable<Text>,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        municipality -> Text,
        event_type -> Text,
        resource -> Text,
        resource_id -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    event_head (id) {
        id -> Integer,
        seq -> BigInt,
    }
}

diesel::table! {
    service_areas (provider, municipality) {
        provider -> Text,
        municipality -> Text,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
    }
}

diesel::table! {
    employment_service_statuses (municipality, id) {
        municipality -> Text,
        id -> Text,
        applicant_id -> Text,
        registered -> Bool,
        plan_from -> Nullable<Date>,
        plan_to -> Nullable<Date>,
        programme -> Nullable<Text>,
        recorded_by -> Text,
        recorded_role -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    referrals (municipality, id) {
        municipality -> Text,
        id -> Text,
        applicant_id -> Text,
        application_id -> Nullable<Text>,
        source -> Text,
        af_consulted -> Bool,
        note -> Nullable<Text>,
        status -> Text,
        referred_on -> Date,
        first_meeting_due -> Nullable<Date>,
        assigned_to -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        first_meeting_at -> Nullable<Timestamp>,
        first_meeting_held_on -> Nullable<Date>,
        outcome -> Nullable<Text>,
        closed_on -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        sent_by -> Text,
        sent_role -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        next_follow_up -> Nullable<Date>,
    }
}

diesel::table! {
    programmes (municipality, id) {
        municipality -> Text,
        id -> Text,
        name -> Text,
        kind -> Text,
        start_date -> Date,
        end_date -> Nullable<Date>,
        places -> Nullable<Integer>,
        weekly_intake -> Nullable<Integer>,
        booked -> Integer,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    interventions (municipality, id) {
        municipality -> Text,
        id -> Text,
        referral_id -> Text,
        applicant_id -> Text,
        kind -> Text,
        subtype -> Nullable<Text>,
        placement -> Text,
        extent_percent -> Integer,
        start_date -> Date,
        end_date -> Nullable<Date>,
        monthly_cost_ore -> Nullable<BigInt>,
        monthly_subsidy_ore -> Nullable<BigInt>,
        af_assessed_on -> Nullable<Date>,
        af_qualifies -> Nullable<Bool>,
        programme_id -> Nullable<Text>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    plans (municipality, referral_id, revision) {
        municipality -> Text,
        referral_id -> Text,
        revision -> Integer,
        agreed_on -> Date,
        participants -> Text,
        goals -> Text,
        next_follow_up -> Date,
        af_plan_from -> Nullable<Date>,
        af_plan_to -> Nullable<Date>,
        recorded_by -> Text,
        recorded_role -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    first_meetings (municipality, referral_id) {
        municipality -> Text,
        referral_id -> Text,
        held_at -> Timestamp,
        education_level -> Text,
        work_experience -> Text,
        health_limits -> Nullable<Text>,
        languages -> Text,
        driving_licence -> Bool,
        af_answer -> Text,
        af_registration_guidance -> Nullable<Bool>,
        recorded_by -> Text,
    }
}

diesel::table! {
    agreements (municipality, id) {
        municipality -> Text,
        id -> Text,
        title -> Text,
        parties -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        signed_on -> Date,
        exchange -> Text,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cooperation_meetings (municipality, id) {
        municipality -> Text,
        id -> Text,
        agreement_id -> Text,
        kind -> Text,
        held_on -> Date,
        units_present -> Text,
        actions -> Text,
        recorded_by -> Text,
        recorded_role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meeting_persons (municipality, meeting_id, applicant_id) {
        municipality -> Text,
        meeting_id -> Text,
        applicant_id -> Text,
    }
}

diesel::table! {
    norm_tables (year, revision) {
        year -> Integer,
        revision -> Integer,
        source -> Text,
        body -> Text,
        loaded_by -> Text,
        loaded_at -> Timestamp,
    }
}

diesel::table! {
    applicant_identities (municipality, personal_number) {
        municipality -> Text,
        personal_number -> Text,
        applicant_id -> Text,
        replaced_at -> Timestamp,
        replaced_by -> Text,
        reason -> Text,
    }
}

diesel::table! {
    indicator_cells (indicator, municipality, period, sex, part) {
        indicator -> Text,
        municipality -> Text,
        period -> Text,
        sex -> Text,
        part -> Text,
        value -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    indicator_person_years (municipality, person_id, facet, year) {
        municipality -> Text,
        person_id -> Text,
        facet -> Text,
        year -> Integer,
        sex -> Text,
        cells -> Text,
    }
}

diesel::table! {
    indicator_reports (indicator, municipality, kind, period, sex) {
        indicator -> Text,
        municipality -> Text,
        kind -> Text,
        period -> Text,
        sex -> Text,
        value -> Text,
        reported_by -> Text,
        reported_at -> Timestamp,
    }
}

diesel::table! {
    indicator_coverage (municipality) {
        municipality -> Text,
        first_month -> Text,
    }
}

diesel::table! {
    indicator_builds (id) {
        id -> Integer,
        built_at -> Timestamp,
        persons -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    applicant_identities,
    applicants,
    api_clients,
    audit_log,
    audit_checkpoints,
    audit_head,
    applications,
    application_items,
    receipt_sequences,
    decisions,
    decision_adults,
    household_members,
    payments,
    consents,
    idempotency_keys,
    events,
    event_head,
    service_areas,
    employment_service_statuses,
    referrals,
    first_meetings,
    programmes,
    interventions,
    plans,
    agreements,
    cooperation_meetings,
    meeting_persons,
    norm_tables,
    indicator_cells,
    indicator_person_years,
    indicator_reports,
    indicator_coverage,
    indicator_builds,
);
