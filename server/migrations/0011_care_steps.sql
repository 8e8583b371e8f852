-- Stepped care, part 2: per-site rules, step proposals, psychologists' decisions and transitions.

CREATE TABLE care_site_rules (
    site_id     bigint PRIMARY KEY REFERENCES sites (id),
    rules       jsonb NOT NULL,
    updated_by  bigint REFERENCES users (id),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE care_step_proposals (
    id             bigserial PRIMARY KEY,
    patient_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id        bigint NOT NULL REFERENCES sites (id),
    submission_id  bigint REFERENCES care_submissions (id),
    from_step      smallint NOT NULL CHECK (from_step BETWEEN 1 AND 4),
    to_step        smallint NOT NULL CHECK (to_step BETWEEN 1 AND 4),
    reasons        text[] NOT NULL,
    scores         jsonb NOT NULL,         -- the scores behind the proposal
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'accepted', 'overridden', 'superseded')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    decided_by     bigint REFERENCES users (id),
    decided_at     timestamptz,
    decided_step   smallint CHECK (decided_step BETWEEN 1 AND 4),
    decision_note  text
);
-- At most one open proposal per patient: a newer screening supersedes the older proposal.
CREATE UNIQUE INDEX care_step_proposals_pending_key ON care_step_proposals (patient_id) WHERE status = 'pending';
CREATE INDEX care_step_proposals_site_idx ON care_step_proposals (site_id, status);

-- Every change of step: who decided (NULL: the system, e.g. intake or demo seeding), when, why, on what.
CREATE TABLE care_step_transitions (
    id           bigserial PRIMARY KEY,
    patient_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id      bigint NOT NULL REFERENCES sites (id),
    from_step    smallint CHECK (from_step BETWEEN 1 AND 4),
    to_step      smallint NOT NULL CHECK (to_step BETWEEN 1 AND 4),
    kind         text NOT NULL CHECK (kind IN ('intake', 'proposal_accepted', 'override', 'manual', 'seed')),
    reason       text NOT NULL,
    decided_by   bigint REFERENCES users (id),
    decided_at   timestamptz NOT NULL DEFAULT now(),
    proposal_id  bigint REFERENCES care_step_proposals (id),
    scores       jsonb
);
CREATE INDEX care_step_transitions_patient_idx ON care_step_transitions (patient_id, decided_at);
