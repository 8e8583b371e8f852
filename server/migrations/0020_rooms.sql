-- Chat rooms, membership, messages, reactions and read markers.
--
-- Every room keeps its own sequence in rooms.last_seq. A message takes the next value in the same
-- statement that inserts it, so seqs are assigned at commit, only increase, and have no gaps among
-- committed rows (a failed insert rolls the counter back with it). Edits, deletions and reactions also
-- take a seq (room_messages.change_seq), so a client that catches up "after seq N" sees every change.

CREATE TABLE rooms (
    id          bigserial PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES sites (id),
    kind        text NOT NULL CHECK (kind IN ('campus', 'community', 'therapy', 'direct')),
    step        smallint NOT NULL CHECK (step BETWEEN 1 AND 4),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    last_seq    bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX rooms_site_name_key ON rooms (site_id, lower(name));
CREATE INDEX rooms_site_step_idx ON rooms (site_id, kind, step);

-- Explicit members: everyone of a therapy or direct room; owners and moderators (e.g. the mentors of a
-- community room) of campus and community rooms, whose ordinary members follow the patients' steps.
CREATE TABLE room_members (
    room_id   bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'moderator', 'member')),
    added_by  bigint REFERENCES users (id),
    added_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user_idx ON room_members (user_id);

CREATE TABLE room_messages (
    id          bigserial PRIMARY KEY,
    room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    change_seq  bigint NOT NULL,           -- the room seq of the latest change (= seq until changed)
    author_id   bigint NOT NULL REFERENCES users (id),
    client_id   text NOT NULL CHECK (char_length(client_id) BETWEEN 1 AND 64),
    body        text NOT NULL,             -- '' once deleted (a tombstone keeps id, seq and author)
    reply_to    bigint REFERENCES room_messages (id),
    visibility  text NOT NULL DEFAULT 'visible' CHECK (visibility IN ('visible', 'held', 'hidden', 'deleted')),
    flagged     boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    edited_at   timestamptz,
    deleted_at  timestamptz,
    UNIQUE (room_id, seq),
    UNIQUE (author_id, client_id)          -- a retried send finds its first attempt
);
CREATE INDEX room_messages_change_idx ON room_messages (room_id, change_seq);

CREATE TABLE room_reactions (
    message_id  bigint NOT NULL REFERENCES room_messages (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji       text NOT NULL CHECK (char_length(emoji) BETWEEN 1 AND 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, user_id, emoji)
);

-- The last seq each person has read in each room they can see (implicit members included).
CREATE TABLE room_reads (
    room_id        bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_seq  bigint NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, user_id)
);
