-- Edits, deletes and reactions (docs/protocol.md, "Changes to messages"). Each change is a
-- row of the room's sequence (`kind` other than 'message', `target_seq` the message it
-- changed), so a client resuming from its cursor gets it like any message. The changed
-- message's row holds its current state: the edited body, or none once deleted, its
-- rendered HTML and the `version` (the seq of the last change; its own seq until then).
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'message';
ALTER TABLE messages ADD COLUMN target_seq INTEGER;
ALTER TABLE messages ADD COLUMN reply_to INTEGER;
ALTER TABLE messages ADD COLUMN html TEXT NOT NULL DEFAULT '';
-- The Markdown renderer's version that wrote `html`; an older one is rendered again on read.
ALTER TABLE messages ADD COLUMN render_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET version = seq;

-- One row per user, emoji and message: the reaction summary is read from here.
CREATE TABLE reactions (
    room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    emoji      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- The seq of the event that added it: reactions are listed in this order (clocks of
    -- several nodes, or of one batch, do not tell).
    event_seq  INTEGER NOT NULL,
    PRIMARY KEY (room_id, seq, emoji, user_id)
) WITHOUT ROWID;
