-- Moderation (docs/moderation.md): a role per member, mutes, the blocks that keep a kicked
-- or banned user out, and the append-only log of every action.
ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT 'member'
    CHECK (role IN ('owner', 'moderator', 'member'));
-- Milliseconds (server clock) until which the member may not send; 0 when not muted.
ALTER TABLE members ADD COLUMN muted_until INTEGER NOT NULL DEFAULT 0;
-- A group room's creator owns it.
UPDATE members SET role = 'owner'
WHERE EXISTS (SELECT 1 FROM rooms r
              WHERE r.id = members.room_id AND r.kind = 'group' AND r.created_by = members.user_id);

-- Who may not come back into a room, and until when (a ban for ever: the largest integer).
-- `kicks` counts the kicks, so that each one blocks longer. `muted_until` keeps a mute
-- across leaving and joining again (a member's row goes when they leave).
CREATE TABLE room_bars (
    room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    until   INTEGER NOT NULL DEFAULT 0,
    kicks   INTEGER NOT NULL DEFAULT 0,
    muted_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;

-- Every action, never changed: who did what to whom, why, until when, and its row's seq.
CREATE TABLE moderation_log (
    id         INTEGER PRIMARY KEY,
    room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    actor_id   INTEGER NOT NULL REFERENCES users (id),
    target_id  INTEGER NOT NULL REFERENCES users (id),
    action     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    until      INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX moderation_log_by_room ON moderation_log (room_id, id);
