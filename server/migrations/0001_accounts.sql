-- Sites (hospitals), users with roles and a language, login sessions and login throttling.

CREATE TABLE sites (
    id          bigserial PRIMARY KEY,
    slug        text NOT NULL UNIQUE,
    name        text NOT NULL,
    country     text NOT NULL,                 -- ISO 3166-1 alpha-2 (ES, PT, PL)
    language    text NOT NULL DEFAULT 'en' CHECK (language IN ('ca', 'es', 'pt', 'pl', 'en')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             bigserial PRIMARY KEY,
    site_id        bigint NOT NULL REFERENCES sites (id),
    username       text NOT NULL,
    display_name   text NOT NULL,
    password_hash  text NOT NULL,
    roles          text[] NOT NULL CHECK (roles <@ ARRAY['patient', 'mentor', 'psychologist', 'admin']
                                          AND cardinality(roles) > 0),
    language       text NOT NULL DEFAULT 'en' CHECK (language IN ('ca', 'es', 'pt', 'pl', 'en')),
    disabled_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_site_idx ON users (site_id);

-- Only the SHA-256 of a session token is stored: a database leak does not hand out live sessions.
CREATE TABLE auth_sessions (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    revoked_by  bigint REFERENCES users (id)
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id) WHERE revoked_at IS NULL;

-- Failed logins in a sliding window, per key ('account:<username>' or 'ip:<address>'), shared by all
-- processes because it lives in the database.
CREATE TABLE login_failures (
    key           text PRIMARY KEY,
    failures      integer NOT NULL,
    window_start  timestamptz NOT NULL
);
