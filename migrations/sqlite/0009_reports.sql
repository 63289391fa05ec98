-- Moderation, second part (docs/moderation.md): read-only rooms, site moderators, messages
-- hidden pending review or removed by a moderator, and members' reports.

-- Only moderators and the owner post in a read-only room.
ALTER TABLE rooms ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;

-- A host's site moderator (its token's `moderator` claim, or the API) acts above every
-- role in every room of that host.
ALTER TABLE host_users ADD COLUMN site_moderator INTEGER NOT NULL DEFAULT 0;

-- `messages.deleted` is a state: 0 shown, 1 deleted by its sender, 2 removed by a
-- moderator (both tombstones without a body), 3 hidden pending review (the body is kept
-- for the review, and sent to nobody).

-- One report per member per message, for ever. `resolved_at` is set when a moderator
-- restores, hides or removes the message.
CREATE TABLE reports (
    room_id     INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    reporter_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER,
    PRIMARY KEY (room_id, seq, reporter_id)
) WITHOUT ROWID;
CREATE INDEX reports_open ON reports (room_id, seq) WHERE resolved_at IS NULL;

-- The server's own user: the sender of the rows it writes itself (a message hidden by its
-- reports), so that no reporter is named. ':' is in no account's or host user's name.
INSERT INTO users (username, display_name, password_hash, created_at)
VALUES (':parlor', 'Parlor', '!', 0);
