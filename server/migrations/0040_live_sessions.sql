-- Live video sessions of therapy rooms, and who attended them.
--
-- A session is scheduled by the room's psychologist, opened by them (state 'open') and ended for
-- everyone (state 'ended'). Attendance has one row per admission: a participant who drops and comes back
-- has two rows. The waiting room is not stored: only admitted time counts as a visit.

CREATE TABLE live_sessions (
    id                bigserial PRIMARY KEY,
    room_id           bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    title             text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    scheduled_by      bigint NOT NULL REFERENCES users (id),
    starts_at         timestamptz NOT NULL,
    duration_minutes  integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    state             text NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'open', 'ended')),
    locked            boolean NOT NULL DEFAULT false,
    opened_at         timestamptz,
    opened_by         bigint REFERENCES users (id),
    ended_at          timestamptz,
    -- The process whose SFU holds an open session, and until when (renewed while it runs): a session's
    -- media cannot span processes, so another process refuses it until this lease lapses.
    held_by           text,
    held_until        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX live_sessions_room_idx ON live_sessions (room_id, starts_at);
CREATE INDEX live_sessions_open_idx ON live_sessions (state) WHERE state = 'open';

CREATE TABLE live_attendance (
    id            bigserial PRIMARY KEY,
    session_id    bigint NOT NULL REFERENCES live_sessions (id) ON DELETE CASCADE,
    user_id       bigint NOT NULL REFERENCES users (id),
    role          text NOT NULL CHECK (role IN ('host', 'patient')),
    waited_from   timestamptz NOT NULL,       -- when they entered the waiting room (= joined_at for hosts)
    joined_at     timestamptz NOT NULL,       -- admitted: media may flow from here
    left_at       timestamptz,
    leave_reason  text CHECK (leave_reason IN ('left', 'disconnected', 'connection_failed', 'removed',
                                               'access_lost', 'ended', 'server_shutdown', 'server_restart')),
    CHECK (left_at IS NULL OR left_at >= joined_at)
);
CREATE INDEX live_attendance_session_idx ON live_attendance (session_id, user_id);
CREATE INDEX live_attendance_user_idx ON live_attendance (user_id, joined_at);
CREATE INDEX live_attendance_open_idx ON live_attendance (session_id) WHERE left_at IS NULL;

-- One visit per patient per session they were admitted to: what the programme's cost evaluation counts.
CREATE VIEW live_visits AS
SELECT s.id AS session_id,
       r.site_id,
       s.room_id,
       a.user_id,
       min(a.joined_at) AS first_joined_at,
       max(coalesce(a.left_at, s.ended_at)) AS last_left_at,
       sum(extract(epoch FROM coalesce(a.left_at, s.ended_at, now()) - a.joined_at))::integer AS seconds_attended
FROM live_attendance a
JOIN live_sessions s ON s.id = a.session_id
JOIN rooms r ON r.id = s.room_id
WHERE a.role = 'patient'
GROUP BY s.id, r.site_id, s.room_id, a.user_id;
