-- Stepped care, part 4: mentor invitations and mentorships, and the staff access log.

CREATE TABLE care_mentor_invitations (
    id           bigserial PRIMARY KEY,
    patient_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id      bigint NOT NULL REFERENCES sites (id),
    invited_by   bigint NOT NULL REFERENCES users (id),
    evidence     jsonb NOT NULL,            -- the reliable-change figures the invitation rests on
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    decided_at   timestamptz
);
CREATE UNIQUE INDEX care_mentor_invitations_pending_key ON care_mentor_invitations (patient_id)
    WHERE status = 'pending';

CREATE TABLE care_mentorships (
    id          bigserial PRIMARY KEY,
    mentor_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mentee_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assigned_by bigint NOT NULL REFERENCES users (id),
    started_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz
);
CREATE UNIQUE INDEX care_mentorships_active_key ON care_mentorships (mentee_id) WHERE ended_at IS NULL;

-- Every read of screening data by staff: who read whose data, what, when. Never the data itself.
CREATE TABLE care_access_log (
    id          bigserial PRIMARY KEY,
    staff_id    bigint NOT NULL REFERENCES users (id),
    patient_id  bigint REFERENCES users (id) ON DELETE SET NULL,
    site_id     bigint NOT NULL REFERENCES sites (id),
    action      text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX care_access_log_patient_idx ON care_access_log (patient_id, at);
