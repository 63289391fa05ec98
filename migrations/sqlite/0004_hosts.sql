-- Hosts: the Q&A sites that plug Parlor in (docs/integration.md). A host's users and rooms
-- are ordinary users and rooms, found by the host's own ids.

-- A host's user (`sub` of its tokens) is one Parlor user, created on first sight. Its
-- username is `<host>:<sub>`, which no Parlor account can take (':' is not allowed there),
-- and it has no password.
CREATE TABLE host_users (
    host    TEXT NOT NULL,
    sub     TEXT NOT NULL,
    user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (host, sub)
) WITHOUT ROWID;
ALTER TABLE users ADD COLUMN avatar_url TEXT;
ALTER TABLE users ADD COLUMN locale TEXT;

-- A host's room is a private group room named by the host's key (`question:123`).
CREATE TABLE host_rooms (
    host    TEXT NOT NULL,
    key     TEXT NOT NULL,
    room_id INTEGER NOT NULL UNIQUE REFERENCES rooms (id) ON DELETE CASCADE,
    link    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (host, key)
) WITHOUT ROWID;

-- Sign-in tokens are single-use: each `jti` is kept until its token has expired.
CREATE TABLE used_tokens (
    host       TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (host, jti)
) WITHOUT ROWID;

-- Messages posted through the API with an `Idempotency-Key` keep it in client_msg_id
-- (UNIQUE per sender), so a retry finds the first copy.

-- Webhook deliveries, written in the same transaction as their event: a restart or a crash
-- loses none, and a retry sends the same body under the same id.
CREATE TABLE webhook_outbox (
    id              INTEGER PRIMARY KEY,
    host            TEXT NOT NULL,
    event_id        TEXT NOT NULL UNIQUE,
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_status     INTEGER,
    delivered_at    INTEGER,
    -- Given up after webhook_max_attempts.
    failed_at       INTEGER
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;

-- A receiver that answered 410 Gone: its host's deliveries wait (kept) until the configured
-- webhook_url is another one.
CREATE TABLE webhook_disabled (
    host        TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    disabled_at INTEGER NOT NULL
) WITHOUT ROWID;
