-- Stepped care, part 3: risk alerts, the on-call list and every escalation step.

CREATE TABLE care_alerts (
    id                bigserial PRIMARY KEY,
    site_id           bigint NOT NULL REFERENCES sites (id),
    patient_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind              text NOT NULL,
    severity          text NOT NULL CHECK (severity IN ('urgent', 'high', 'normal')),
    source            text NOT NULL,              -- screening | site_rule | moderation | ...
    source_ref        text,                       -- submission id, message id, ...
    details           jsonb NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged')),
    acknowledged_by   bigint REFERENCES users (id),
    acknowledged_at   timestamptz,
    note              text,
    escalation_level  integer NOT NULL DEFAULT 0,
    escalated_at      timestamptz,
    CHECK (status = 'open' OR (acknowledged_by IS NOT NULL AND note IS NOT NULL))
);
CREATE INDEX care_alerts_open_idx ON care_alerts (site_id, created_at) WHERE status = 'open';
CREATE INDEX care_alerts_patient_idx ON care_alerts (patient_id, created_at);
-- The same event raised twice (a retried hook, a resubmission) is one alert.
CREATE UNIQUE INDEX care_alerts_source_key ON care_alerts (source, source_ref, kind) WHERE source_ref IS NOT NULL;

-- The site's on-call contacts, in the order an unacknowledged urgent alert climbs them.
CREATE TABLE care_on_call (
    site_id   bigint NOT NULL REFERENCES sites (id),
    position  integer NOT NULL CHECK (position >= 1),
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (site_id, position)
);

CREATE TABLE care_alert_escalations (
    id            bigserial PRIMARY KEY,
    alert_id      bigint NOT NULL REFERENCES care_alerts (id) ON DELETE CASCADE,
    level         integer NOT NULL,
    contact_id    bigint REFERENCES users (id),
    escalated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (alert_id, level)
);
