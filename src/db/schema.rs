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
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(applicants, api_clients, audit_log, audit_head);
