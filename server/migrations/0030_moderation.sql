-- Moderation: the queue of held, flagged and reported messages; mutes, bans, removals, slow mode and
-- pins; which moderator acted (so only psychologists undo a mentor); and the append-only audit log.
--
-- Mentors are assigned to rooms as rooms' own `room_members.role = 'moderator'` (rooms' table, written
-- through RoomsService): that is what already shows them held messages. Message visibility stays in
-- rooms' `room_messages.visibility`; moderation only records who hid what, here.

CREATE TABLE moderation_queue (
    id            bigserial PRIMARY KEY,
    site_id       bigint NOT NULL REFERENCES sites (id),
    room_id       bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    message_id    bigint REFERENCES room_messages (id) ON DELETE SET NULL,
    author_id     bigint REFERENCES users (id),
    kind          text NOT NULL CHECK (kind IN ('held', 'flagged', 'reported')),
    reason        text NOT NULL,
    hook          text,                          -- the hook that decided (automatic items)
    reporter_id   bigint REFERENCES users (id),  -- reported items
    note          text CHECK (char_length(note) <= 500),  -- the reporter's words (never logged)
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolution    text,
    resolved_by   bigint REFERENCES users (id),
    resolved_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX moderation_queue_room_idx ON moderation_queue (room_id, status, id);
CREATE INDEX moderation_queue_site_idx ON moderation_queue (site_id, status, id);
-- One open report per reporter and message: reporting twice does not flood the queue.
CREATE UNIQUE INDEX moderation_queue_one_report_key ON moderation_queue (message_id, reporter_id)
    WHERE kind = 'reported' AND status = 'open';

CREATE TABLE moderation_mutes (
    room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    until       timestamptz NOT NULL,
    muted_by    bigint NOT NULL REFERENCES users (id),
    by_staff    boolean NOT NULL,                -- false: a mentor muted; only staff may lift it early
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, user_id)
);

-- room_id NULL: banned from the whole site. kind 'removed': out of the room for the current session only.
CREATE TABLE moderation_bans (
    id          bigserial PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES sites (id),
    room_id     bigint REFERENCES rooms (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL DEFAULT 'ban' CHECK (kind IN ('ban', 'removed')),
    until       timestamptz,                     -- NULL: until lifted
    banned_by   bigint NOT NULL REFERENCES users (id),
    by_staff    boolean NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    lifted_at   timestamptz,
    lifted_by   bigint REFERENCES users (id)
);
CREATE INDEX moderation_bans_user_idx ON moderation_bans (user_id) WHERE lifted_at IS NULL;

CREATE TABLE moderation_slow_mode (
    room_id     bigint PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
    seconds     integer NOT NULL CHECK (seconds BETWEEN 1 AND 3600),
    set_by      bigint NOT NULL REFERENCES users (id),
    by_staff    boolean NOT NULL,
    set_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE moderation_pins (
    room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    message_id  bigint NOT NULL REFERENCES room_messages (id) ON DELETE CASCADE,
    pinned_by   bigint NOT NULL REFERENCES users (id),
    by_staff    boolean NOT NULL,
    pinned_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, message_id)
);

-- Who last hid (or rejected) a message, so a mentor's hide can only be undone by staff.
CREATE TABLE moderation_hidden (
    message_id  bigint PRIMARY KEY REFERENCES room_messages (id) ON DELETE CASCADE,
    hidden_by   bigint NOT NULL REFERENCES users (id),
    by_staff    boolean NOT NULL,
    hidden_at   timestamptz NOT NULL DEFAULT now()
);

-- Append-only: who acted (NULL = the pipeline), what, on whom, why, with which hook, when. No message text.
CREATE TABLE moderation_audit (
    id              bigserial PRIMARY KEY,
    site_id         bigint NOT NULL REFERENCES sites (id),
    at              timestamptz NOT NULL DEFAULT now(),
    kind            text NOT NULL,
    actor_id        bigint REFERENCES users (id),
    target_user_id  bigint REFERENCES users (id),
    room_id         bigint,                      -- no foreign keys: the record outlives what it names
    message_id      bigint,
    decision        text,
    reason          text,
    hook            text,
    details         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX moderation_audit_site_idx ON moderation_audit (site_id, id);

CREATE FUNCTION moderation_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'moderation_audit is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER moderation_audit_no_update BEFORE UPDATE OR DELETE ON moderation_audit
    FOR EACH ROW EXECUTE FUNCTION moderation_audit_append_only();
CREATE TRIGGER moderation_audit_no_truncate BEFORE TRUNCATE ON moderation_audit
    FOR EACH STATEMENT EXECUTE FUNCTION moderation_audit_append_only();

-- A site's moderation settings (hooks, crisis numbers, clinicians' reply templates) as one JSON document.
CREATE TABLE moderation_settings (
    site_id     bigint PRIMARY KEY REFERENCES sites (id),
    settings    jsonb NOT NULL,
    updated_by  bigint REFERENCES users (id),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
