-- Moderation (docs/moderation.md): a role per member, mutes, the blocks that keep a kicked
-- or banned user out, and the append-only log of every action.
ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT 'member'
    CHECK (role IN ('owner', 'moderator', 'member'));
-- Milliseconds (server clock) until which the member may not send; 0 when not muted.
ALTER TABLE members ADD COLUMN muted_until BIGINT NOT NULL DEFAULT 0;
-- A group room's creator owns it.
UPDATE members SET role = 'owner'
FROM rooms r
WHERE r.id = members.room_id AND r.kind = 'group' AND r.created_by = members.user_id;

-- Who may not come back into a room, and until when (a ban for ever: the largest integer).
-- `kicks` counts the kicks, so that each one blocks longer. `muted_until` keeps a mute
-- across leaving and joining again (a member's row goes when they leave).
CREATE TABLE room_bars (
    room_id BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    until   BIGINT NOT NULL DEFAULT 0,
    kicks   BIGINT NOT NULL DEFAULT 0,
    muted_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
);

-- Every action, never changed: who did what to whom, why, until when, and its row's seq.
CREATE TABLE moderation_log (
    id         BIGSERIAL PRIMARY KEY,
    room_id    BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    actor_id   BIGINT NOT NULL REFERENCES users (id),
    target_id  BIGINT NOT NULL REFERENCES users (id),
    action     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    until      BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX moderation_log_by_room ON moderation_log (room_id, id);
