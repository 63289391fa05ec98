-- Parlor's schema. Order inside a room is `messages.seq`, never a clock.

-- One row: the identity of this store. Clients' cursors are valid only within one epoch.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('epoch', lower(hex(randomblob(16))));

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

-- Server-side sessions; the cookie holds a random token, the table only its SHA-256.
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE rooms (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('group', 'direct')),
    name       TEXT NOT NULL,
    is_public  INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1)),
    -- 'low:high' user ids of a direct room: opening it twice finds the same room.
    direct_key TEXT UNIQUE,
    -- The seq of the room's newest message; the next one gets last_seq + 1.
    last_seq   INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
);

CREATE TABLE members (
    room_id       INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at     INTEGER NOT NULL,
    last_read_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members (user_id, room_id);

CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    room_id       INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    sender_id     INTEGER NOT NULL REFERENCES users (id),
    client_msg_id TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (room_id, seq),
    UNIQUE (sender_id, client_msg_id)
);
