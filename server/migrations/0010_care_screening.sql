-- Stepped care, part 1: patients in the programme, instrument definitions, screening submissions.

-- One row per patient in the programme: their current step and what matching needs to know.
CREATE TABLE care_patients (
    user_id          bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    site_id          bigint NOT NULL REFERENCES sites (id),
    current_step     smallint NOT NULL CHECK (current_step BETWEEN 1 AND 4),
    status           text NOT NULL DEFAULT 'active'
                     CHECK (status IN ('active', 'completed', 'referred', 'withdrawn')),
    status_changed_at timestamptz,
    enrolled_at      timestamptz NOT NULL DEFAULT now(),
    diagnosis        text,
    treatment_phase  text,
    birth_year       integer CHECK (birth_year BETWEEN 1900 AND 2100),
    mentor_capacity  integer NOT NULL DEFAULT 0 CHECK (mentor_capacity BETWEEN 0 AND 50),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX care_patients_site_idx ON care_patients (site_id);

-- Instrument definitions imported as FHIR Questionnaires (a new version, or a licensed site's wording).
-- site_id NULL: for every site. Built-ins live in code and are overridden by an import of the same id.
CREATE TABLE care_instruments (
    id             bigserial PRIMARY KEY,
    site_id        bigint REFERENCES sites (id),
    instrument_id  text NOT NULL,
    version        text NOT NULL,
    questionnaire  jsonb NOT NULL,
    imported_by    bigint REFERENCES users (id),
    imported_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX care_instruments_key ON care_instruments (coalesce(site_id, 0), instrument_id, version);

-- One answered questionnaire. Answers are item-level and normalised to option codes; scores are always
-- computed by the server. (patient_id, client_id) makes a resubmission return the first result.
CREATE TABLE care_submissions (
    id                  bigserial PRIMARY KEY,
    patient_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id             bigint NOT NULL REFERENCES sites (id),
    client_id           text NOT NULL,
    instrument_id       text NOT NULL,
    instrument_version  text NOT NULL,
    language            text NOT NULL,
    source_format       text NOT NULL CHECK (source_format IN ('compact', 'fhir')),
    answers             jsonb NOT NULL,
    item_scores         jsonb NOT NULL,
    scores              jsonb NOT NULL,
    bands               jsonb NOT NULL,
    above_threshold     boolean NOT NULL,
    fired_rules         text[] NOT NULL DEFAULT '{}',
    submitted_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (patient_id, client_id)
);
CREATE INDEX care_submissions_patient_idx ON care_submissions (patient_id, submitted_at);
CREATE INDEX care_submissions_site_idx ON care_submissions (site_id, submitted_at);

-- A psychologist asking for a screening outside the schedule; fulfilled by the next matching submission.
CREATE TABLE care_screening_requests (
    id              bigserial PRIMARY KEY,
    patient_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    instrument_id   text NOT NULL,
    requested_by    bigint NOT NULL REFERENCES users (id),
    requested_at    timestamptz NOT NULL DEFAULT now(),
    note            text,
    fulfilled_by    bigint REFERENCES care_submissions (id),
    fulfilled_at    timestamptz
);
CREATE INDEX care_screening_requests_open_idx ON care_screening_requests (patient_id) WHERE fulfilled_at IS NULL;
