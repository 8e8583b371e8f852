-- Where the process that holds an open session can be reached (its ONCOMMUN_PUBLIC_URL), so a client
-- whose socket landed on another process is sent there instead of being refused.
ALTER TABLE live_sessions ADD COLUMN held_at text;
