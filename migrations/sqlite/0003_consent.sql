-- Consent: nobody is put in a room without saying yes, and anyone can shut a person out.

-- An invitation into a group room waits here until the invitee accepts (then they become a
-- member) or declines.
CREATE TABLE invitations (
    room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invited_by INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
CREATE INDEX invitations_by_user ON invitations (user_id);

-- blocker no longer hears from blocked: no direct messages, no invitations, and the blocker
-- is not found by the blocked user's direct search.
CREATE TABLE blocks (
    blocker_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
) WITHOUT ROWID;
