// The same tables on SQLite and PostgreSQL: see migrations/sqlite and migrations/postgres.

diesel::table! {
    members (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        kind -> Text,
        uses_hotline -> Bool,
        joined_on -> Nullable<Date>,
        left_on -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        short_name -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        role -> Text,
        member_id -> Nullable<BigInt>,
        password_hash -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        token_epoch -> BigInt,
        external_ref -> Nullable<Text>,
    }
}

diesel::table! {
    categories (id) {
        id -> BigInt,
        name -> Text,
        parent_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
        external_ref -> Nullable<Text>,
    }
}

diesel::table! {
    tickets (id) {
        id -> BigInt,
        member_id -> BigInt,
        requester_id -> Nullable<BigInt>,
        requester_name -> Nullable<Text>,
        requester_email -> Nullable<Text>,
        requester_phone -> Nullable<Text>,
        title -> Text,
        description -> Text,
        search_text -> Text,
        ticket_type -> Text,
        category_id -> Nullable<BigInt>,
        priority -> Integer,
        status -> Text,
        origin -> Text,
        channel -> Text,
        assignee_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        created_on -> Date,
        acknowledged_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        version -> Integer,
        paused_minutes -> Integer,
        waiting_since -> Nullable<Timestamp>,
        acknowledge_minutes -> Nullable<Integer>,
        resolve_minutes -> Nullable<Integer>,
        overdue_notified_at -> Nullable<Timestamp>,
        external_ref -> Nullable<Text>,
        import_digest -> Nullable<Text>,
    }
}

diesel::table! {
    ticket_events (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        actor_id -> Nullable<BigInt>,
        at -> Timestamp,
        field -> Text,
        from_value -> Nullable<Text>,
        to_value -> Nullable<Text>,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        author_id -> Nullable<BigInt>,
        body -> Text,
        internal -> Bool,
        created_at -> Timestamp,
        external_ref -> Nullable<Text>,
    }
}

diesel::table! {
    work_logs (id) {
        id -> BigInt,
        technician_id -> BigInt,
        member_id -> Nullable<BigInt>,
        work_date -> Date,
        kind -> Text,
        minutes -> Integer,
        ticket_id -> Nullable<BigInt>,
        category_id -> Nullable<BigInt>,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        external_ref -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        user_id -> BigInt,
        idempotency_key -> Text,
        request_hash -> Text,
        ticket_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ticket_month_counts (member_id, year, month, origin) {
        member_id -> BigInt,
        year -> Integer,
        month -> Integer,
        origin -> Text,
        tickets -> BigInt,
    }
}

diesel::table! {
    ticket_queue_counts (status, assignee_id, priority, running) {
        status -> Text,
        assignee_id -> BigInt,
        priority -> Integer,
        running -> Integer,
        tickets -> BigInt,
    }
}

diesel::table! {
    work_month_minutes (member_id, year, month, kind) {
        member_id -> BigInt,
        year -> Integer,
        month -> Integer,
        kind -> Text,
        minutes -> BigInt,
    }
}

diesel::table! {
    ticket_group_counts (dimension, year, month, group_id, member_id, origin) {
        dimension -> Text,
        group_id -> BigInt,
        member_id -> BigInt,
        year -> Integer,
        month -> Integer,
        origin -> Text,
        tickets -> BigInt,
    }
}

diesel::table! {
    work_group_minutes (dimension, year, month, group_id, kind) {
        dimension -> Text,
        group_id -> BigInt,
        year -> Integer,
        month -> Integer,
        kind -> Text,
        minutes -> BigInt,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        ticket_id -> Nullable<BigInt>,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        last_attempt_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        subject_user_id -> Nullable<BigInt>,
        details -> Text,
        ip -> Nullable<Text>,
    }
}

diesel::table! {
    service_level_counts (member_id, year, priority, origin) {
        member_id -> BigInt,
        year -> Integer,
        priority -> Integer,
        origin -> Text,
        tickets -> BigInt,
        acknowledged -> BigInt,
        acknowledge_histogram -> Binary,
        resolved -> BigInt,
        resolve_histogram -> Binary,
        revision -> BigInt,
    }
}

diesel::table! {
    web_sessions (secret_digest) {
        secret_digest -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        token_epoch -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    user_preferences (user_id) {
        user_id -> BigInt,
        language -> Text,
    }
}

diesel::table! {
    ticket_satisfactions (ticket_id) {
        ticket_id -> BigInt,
        rating -> Nullable<Integer>,
        comment -> Text,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(web_sessions -> users (user_id));
diesel::joinable!(users -> members (member_id));
diesel::joinable!(tickets -> members (member_id));
diesel::joinable!(comments -> tickets (ticket_id));
diesel::joinable!(ticket_events -> tickets (ticket_id));

diesel::allow_tables_to_appear_in_same_query!(
    members,
    ticket_satisfactions,
    web_sessions,
    user_preferences,
    users,
    categories,
    tickets,
    ticket_events,
    comments,
    work_logs,
    idempotency_keys,
    ticket_month_counts,
    ticket_queue_counts,
    work_month_minutes,
    ticket_group_counts,
    work_group_minutes,
    outbox,
    audit_log,
);
